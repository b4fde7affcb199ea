// reporting (ES module): daily revenue per region.
// usage: node esm_report.mjs <day>

const regions = {
  'eu-west': { orders: 120, revenue: 254000 },
  'us-east': { orders: 98, revenue: 199000 },
};

export function averageOrder(region) {
  const stats = regions[region];
  return Math.round(stats.revenue / stats.orders);
}

export function dailyReport(day, names) {
  return names.map((name) => ({ day, region: name, average: averageOrder(name) }));
}

const day = process.argv[2];
const report = dailyReport(day, ['eu-west', 'us-east', 'ap-south']);
console.log(JSON.stringify(report));
