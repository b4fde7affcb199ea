'use strict';
// catalog: compute the depth of a category; the data has a cycle.
// usage: node recursion.js <category>

const categories = {
  shoes: { parent: 'apparel' },
  apparel: { parent: 'fashion' },
  fashion: { parent: 'shoes' },
};

function depth(name) {
  const cat = categories[name];
  return cat.parent ? 1 + depth(cat.parent) : 0;
}

console.log(depth(process.argv[2]));
