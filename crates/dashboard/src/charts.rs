//! Hourly series from per-minute counts, and the geometry of the two SVG
//! charts (the list's sparkline and the group page's bar chart). Only
//! numbers and times come out of here; the templates draw them.

use serde::Serialize;
use tracefix_store::MinuteCount;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// `hours` hourly buckets ending with the hour that holds `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub hours: usize,
}

impl Window {
    pub fn ending_at(now_ms: i64, hours: usize) -> Window {
        let end = now_ms.div_euclid(HOUR_MS) * HOUR_MS + HOUR_MS;
        Window {
            start_ms: end - hours as i64 * HOUR_MS,
            hours,
        }
    }

    /// The exclusive end.
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.hours as i64 * HOUR_MS
    }

    /// The per-minute counts summed per hour; minutes outside the window
    /// are left out.
    pub fn bucket(&self, counts: &[MinuteCount]) -> Vec<i64> {
        let mut buckets = vec![0i64; self.hours];
        for c in counts {
            if c.minute < self.start_ms || c.minute >= self.end_ms() {
                continue;
            }
            let i = ((c.minute - self.start_ms) / HOUR_MS) as usize;
            buckets[i] = buckets[i].saturating_add(c.count.max(0));
        }
        buckets
    }
}

/// A polyline over the buckets, in a `width` × `height` box.
#[derive(Debug, Clone, Serialize)]
pub struct Sparkline {
    pub width: u32,
    pub height: u32,
    /// `x,y x,y …` for `<polyline points=…>`.
    pub points: String,
    pub total: i64,
    pub max: i64,
}

pub fn sparkline(buckets: &[i64]) -> Sparkline {
    const WIDTH: u32 = 120;
    const HEIGHT: u32 = 24;
    let max = buckets.iter().copied().max().unwrap_or(0);
    let step = if buckets.len() > 1 {
        f64::from(WIDTH) / (buckets.len() - 1) as f64
    } else {
        0.0
    };
    // One pixel of margin so a flat line at the top or bottom stays visible.
    let usable = f64::from(HEIGHT) - 2.0;
    let points = buckets
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let y = if max > 0 {
                1.0 + usable * (1.0 - n as f64 / max as f64)
            } else {
                1.0 + usable
            };
            format!("{:.1},{:.1}", i as f64 * step, y)
        })
        .collect::<Vec<_>>()
        .join(" ");
    Sparkline {
        width: WIDTH,
        height: HEIGHT,
        points,
        total: buckets.iter().sum(),
        max,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// `2026-01-02T13:00:00Z: 4` (the SVG `<title>`, shown on hover).
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    /// `MM-DD`.
    pub label: String,
}

/// A bar per hour (empty hours draw nothing) with a tick at each midnight.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    /// The height of the plot; the ticks' labels sit below it.
    pub plot_height: u32,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub total: i64,
    pub max: i64,
}

pub fn bar_chart(window: &Window, buckets: &[i64]) -> BarChart {
    const PLOT_HEIGHT: u32 = 100;
    const BAR_WIDTH: f64 = 4.0;
    let width = (buckets.len() as f64 * BAR_WIDTH) as u32;
    let max = buckets.iter().copied().max().unwrap_or(0);
    let bars = buckets
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, &n)| {
            // At least one pixel, so a single occurrence is visible.
            let height = (f64::from(PLOT_HEIGHT) * n as f64 / max as f64).max(1.0);
            Bar {
                x: i as f64 * BAR_WIDTH,
                y: f64::from(PLOT_HEIGHT) - height,
                width: BAR_WIDTH - 1.0,
                height,
                title: format!(
                    "{}: {n}",
                    crate::view::rfc3339_secs(window.start_ms + i as i64 * HOUR_MS)
                ),
            }
        })
        .collect();
    let ticks = (0..buckets.len())
        .filter(|i| (window.start_ms + *i as i64 * HOUR_MS).rem_euclid(DAY_MS) == 0)
        .map(|i| Tick {
            x: i as f64 * BAR_WIDTH,
            label: month_day(window.start_ms + i as i64 * HOUR_MS),
        })
        .collect();
    BarChart {
        width,
        height: PLOT_HEIGHT + 14,
        plot_height: PLOT_HEIGHT,
        bars,
        ticks,
        total: buckets.iter().sum(),
        max,
    }
}

fn month_day(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => {
            let date = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
            format!("{:02}-{:02}", date.month(), date.day())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn minute(ms: i64, count: i64) -> MinuteCount {
        MinuteCount { minute: ms, count }
    }

    #[test]
    fn window_ends_with_the_current_hour() {
        let w = Window::ending_at(T0 + 90 * 60_000, 24);
        assert_eq!(w.end_ms(), T0 + 2 * HOUR_MS);
        assert_eq!(w.start_ms, T0 + 2 * HOUR_MS - DAY_MS);
        let buckets = w.bucket(&[
            minute(T0 + 60 * 60_000, 3),
            minute(T0 + 61 * 60_000, 2),
            minute(T0, 1),
            minute(w.start_ms - 60_000, 100), // before the window
            minute(w.end_ms(), 100),          // after it
        ]);
        assert_eq!(buckets.len(), 24);
        assert_eq!(buckets[23], 5);
        assert_eq!(buckets[22], 1);
        assert_eq!(buckets.iter().sum::<i64>(), 6);
    }

    #[test]
    fn sparkline_points() {
        let s = sparkline(&[0, 2, 1]);
        assert_eq!(s.points, "0.0,23.0 60.0,1.0 120.0,12.0");
        assert_eq!((s.total, s.max), (3, 2));
        assert_eq!(sparkline(&[0, 0]).points, "0.0,23.0 120.0,23.0");
        assert_eq!(sparkline(&[]).points, "");
    }

    #[test]
    fn bars_and_midnight_ticks() {
        let w = Window {
            start_ms: T0 - 2 * HOUR_MS,
            hours: 4,
        };
        let chart = bar_chart(&w, &[0, 4, 1, 0]);
        assert_eq!(chart.width, 16);
        assert_eq!(chart.bars.len(), 2);
        assert_eq!(chart.bars[0].height, 100.0);
        assert_eq!(chart.bars[0].title, "2025-12-31T23:00:00Z: 4");
        assert_eq!(chart.bars[1].height, 25.0);
        assert_eq!(chart.bars[1].y, 75.0);
        assert_eq!(chart.ticks.len(), 1);
        assert_eq!(chart.ticks[0].label, "01-01");
        assert_eq!(chart.ticks[0].x, 8.0);
    }

    proptest! {
        #[test]
        fn bucketing_keeps_every_count_inside_the_window(
            now in 0i64..4_000_000_000_000,
            offsets in proptest::collection::vec((0i64..48 * 60, 0i64..1000), 0..50),
        ) {
            let w = Window::ending_at(now, 24);
            let counts: Vec<MinuteCount> = offsets
                .iter()
                .map(|(m, c)| minute(w.end_ms() - 36 * HOUR_MS + m * 60_000, *c))
                .collect();
            let inside: i64 = counts
                .iter()
                .filter(|c| c.minute >= w.start_ms && c.minute < w.end_ms())
                .map(|c| c.count)
                .sum();
            prop_assert_eq!(w.bucket(&counts).iter().sum::<i64>(), inside);
            let s = sparkline(&w.bucket(&counts));
            for point in s.points.split(' ') {
                let (x, y) = point.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                prop_assert!((0.0..=120.0).contains(&x) && (0.0..=24.0).contains(&y));
            }
        }
    }
}
