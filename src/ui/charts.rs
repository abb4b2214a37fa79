//! Live charts of the last 60 simulated seconds, drawn from the World's per-second series: every
//! point is a count or a percentile the simulation measured in that second.

use yew::prelude::*;

use super::app::View;
use crate::sim::Cause;
use crate::sim::series::{LATENCY_BINS, SERIES_SECONDS, Sample, bin_floor_us};

const W: f64 = 320.0;
const H: f64 = 150.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 312.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 122.0;

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (an axis maximum people can read).
pub fn nice_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    // Powers of ten by multiplication: no logarithm needed (and no libm code in the page).
    let mut p = 1.0;
    while p > v {
        p /= 10.0;
    }
    while p * 10.0 <= v {
        p *= 10.0;
    }
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&c| c >= v * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// An SVG coordinate: one decimal, fixed (never the shortest-float formatter, which would add a
/// few kilobytes of code to the page for nothing).
fn n(v: f64) -> String {
    format!("{v:.1}")
}

fn x_of(age: f64) -> f64 {
    RIGHT - (RIGHT - LEFT) * age / (SERIES_SECONDS - 1) as f64
}

fn y_of(v: f64, max: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * (v / max).clamp(0.0, 1.0)
}

fn short(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        crate::sim::knob::trim(v)
    }
}

/// Axes, gridlines and labels shared by the time charts.
fn time_axes(max: f64, unit: &str) -> Html {
    let ticks = [0.0, max / 2.0, max];
    html! { <>
        { for ticks.iter().map(|&t| html! { <>
            <line class="grid" x1={n(LEFT)} x2={n(RIGHT)}
                  y1={format!("{:.1}", y_of(t, max))} y2={format!("{:.1}", y_of(t, max))} />
            <text class="tick" x={n(LEFT - 4.0)} y={format!("{:.1}", y_of(t, max) + 4.0)}
                  text-anchor="end">{ short(t) }</text>
        </> }) }
        <text class="tick" x={n(LEFT)} y={n(H - 12.0)}>{ "−60 s" }</text>
        <text class="tick" x={n((LEFT + RIGHT) / 2.0)} y={n(H - 12.0)} text-anchor="middle">{ "−30 s" }</text>
        <text class="tick" x={n(RIGHT)} y={n(H - 12.0)} text-anchor="end">{ "now" }</text>
        <text class="axis-label" x={n((LEFT + RIGHT) / 2.0)} y={n(H - 1.0)} text-anchor="middle">{ "simulated time" }</text>
        <text class="axis-label" x="10" y={n((TOP + BOTTOM) / 2.0)} text-anchor="middle"
              transform={format!("rotate(-90 10 {:.1})", (TOP + BOTTOM) / 2.0)}>{ unit.to_string() }</text>
    </> }
}

/// One series: a legend label, a CSS class, and a value per sample (None leaves a gap).
struct Series {
    label: String,
    class: &'static str,
    values: Vec<Option<f64>>,
}

fn polyline(values: &[Option<f64>], max: f64) -> String {
    let n = values.len();
    let mut d = String::new();
    let mut pen_down = false;
    for (k, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let age = (n - 1 - k) as f64;
                d.push_str(&format!(
                    "{}{:.1} {:.1}",
                    if pen_down { "L" } else { "M" },
                    x_of(age),
                    y_of(*v, max)
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

fn legend(series: &[(String, &'static str)]) -> Html {
    html! {
        <ul class="chart-legend">
            { for series.iter().map(|(label, class)| html! {
                <li><span class={classes!("swatch", *class)}></span>{ label.clone() }</li>
            }) }
        </ul>
    }
}

fn chart(id: &'static str, title: &str, body: Html, legend_items: Html) -> Html {
    html! {
        <figure class="chart" data-chart={id}>
            <figcaption>{ title.to_string() }</figcaption>
            <svg viewBox={format!("0 0 {W:.0} {H:.0}")} role="img" aria-label={title.to_string()}>{ body }</svg>
            { legend_items }
        </figure>
    }
}

fn line_chart(
    id: &'static str,
    title: &str,
    unit: &str,
    series: Vec<Series>,
    floor_max: f64,
) -> Html {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(floor_max, |a, &b| a.max(b));
    let max = nice_ceiling(max);
    let labels: Vec<(String, &'static str)> = series
        .iter()
        .filter(|s| !s.label.is_empty())
        .map(|s| (s.label.clone(), s.class))
        .collect();
    let body = html! { <>
        { time_axes(max, unit) }
        { for series.iter().map(|s| html! { <path class={classes!("line", s.class)} d={polyline(&s.values, max)} /> }) }
    </> };
    chart(id, title, body, legend(&labels))
}

/// Throughput stacked by outcome, as areas: successes at the bottom, then each kind of failure.
fn throughput(samples: &[&Sample]) -> Html {
    let groups: [(&str, &'static str, &[Cause]); 4] = [
        ("timed out", "timeout", &[Cause::Timeout]),
        (
            "refused (queue full, no server)",
            "refused",
            &[Cause::QueueFull, Cause::NoServer],
        ),
        ("database unavailable", "dbdown", &[Cause::DbUnavailable]),
        (
            "network, conflicts",
            "other",
            &[Cause::Network, Cause::Conflict],
        ),
    ];
    let n = samples.len();
    let mut layers: Vec<(String, &'static str, Vec<f64>)> = vec![(
        "succeeded".into(),
        "ok",
        samples.iter().map(|s| s.ok as f64).collect(),
    )];
    for (label, class, causes) in groups {
        layers.push((
            label.into(),
            class,
            samples
                .iter()
                .map(|s| causes.iter().map(|&c| s.failed[c as usize] as f64).sum())
                .collect(),
        ));
    }
    let totals: Vec<f64> = (0..n)
        .map(|k| layers.iter().map(|l| l.2[k]).sum())
        .collect();
    let max = nice_ceiling(totals.iter().copied().fold(1.0, f64::max));
    let mut base = vec![0.0; n];
    let mut paths = Vec::new();
    for (_, class, values) in &layers {
        if values.iter().all(|&v| v == 0.0) {
            continue;
        }
        let top: Vec<f64> = base.iter().zip(values).map(|(b, v)| b + v).collect();
        let x = |k: usize| x_of((n - 1 - k) as f64);
        let mut d = String::new();
        for (k, &v) in top.iter().enumerate() {
            let pen = if k == 0 { "M" } else { "L" };
            d.push_str(&format!("{pen}{:.1} {:.1}", x(k), y_of(v, max)));
        }
        for k in (0..n).rev() {
            d.push_str(&format!("L{:.1} {:.1}", x(k), y_of(base[k], max)));
        }
        d.push('Z');
        paths.push(html! { <path class={classes!("area", *class)} {d} /> });
        base = top;
    }
    let labels: Vec<(String, &'static str)> =
        layers.iter().map(|(l, c, _)| (l.clone(), *c)).collect();
    let body = html! { <>{ time_axes(max, "req/s") }{ for paths }</> };
    chart(
        "throughput",
        "Throughput by outcome (requests per second)",
        body,
        legend(&labels),
    )
}

/// Latency histogram over the last minute: half-octave bins on a log axis.
fn histogram(counts: &[u64; LATENCY_BINS]) -> Html {
    let first = counts.iter().position(|&c| c > 0);
    let last = counts.iter().rposition(|&c| c > 0);
    let (Some(first), Some(last)) = (first, last) else {
        return chart(
            "histogram",
            "Latency histogram, last 60 s",
            html! { <text class="tick" x={n(W / 2.0)} y={n(H / 2.0)} text-anchor="middle">{ "no successful request yet" }</text> },
            Html::default(),
        );
    };
    // Show at least a decade, and whole labelled bins around what there is.
    let (lo, hi) = (
        first.saturating_sub(1),
        (last + 1).max(first + 6).min(LATENCY_BINS - 1),
    );
    let bins = hi - lo + 1;
    let total: u64 = counts.iter().sum();
    let peak = counts[lo..=hi].iter().copied().max().unwrap_or(1) as f64 / total as f64 * 100.0;
    let max = nice_ceiling(peak);
    let bw = (RIGHT - LEFT) / bins as f64;
    let bars = (lo..=hi).map(|i| {
        let share = counts[i] as f64 / total as f64 * 100.0;
        let y = y_of(share, max);
        html! {
            <rect class="bar" x={format!("{:.1}", LEFT + (i - lo) as f64 * bw + 0.5)} y={format!("{y:.1}")}
                  width={format!("{:.1}", (bw - 1.0).max(0.5))} height={format!("{:.1}", BOTTOM - y)}>
                <title>{ format!("{} – {}: {:.1} %", fmt_latency(bin_floor_us(i)), fmt_latency(bin_floor_us(i + 1)), share) }</title>
            </rect>
        }
    });
    let labels = (lo..=hi + 1).filter(|i| i % 3 == 0).map(|i| {
        html! { <text class="tick" x={format!("{:.1}", LEFT + (i - lo) as f64 * bw)} y={n(BOTTOM + 12.0)}
                      text-anchor="middle">{ fmt_latency(bin_floor_us(i)) }</text> }
    });
    let ticks = [0.0, max / 2.0, max];
    let body = html! { <>
        { for ticks.iter().map(|&t| html! { <>
            <line class="grid" x1={n(LEFT)} x2={n(RIGHT)} y1={format!("{:.1}", y_of(t, max))} y2={format!("{:.1}", y_of(t, max))} />
            <text class="tick" x={n(LEFT - 4.0)} y={format!("{:.1}", y_of(t, max) + 4.0)} text-anchor="end">{ short(t) }</text>
        </> }) }
        { for bars }
        { for labels }
        <text class="axis-label" x={n((LEFT + RIGHT) / 2.0)} y={n(H - 1.0)} text-anchor="middle">{ "latency (log scale)" }</text>
        <text class="axis-label" x="10" y={n((TOP + BOTTOM) / 2.0)} text-anchor="middle"
              transform={format!("rotate(-90 10 {:.1})", (TOP + BOTTOM) / 2.0)}>{ "% of requests" }</text>
    </> };
    chart(
        "histogram",
        "Latency histogram, last 60 s",
        body,
        Html::default(),
    )
}

fn fmt_latency(us: f64) -> String {
    if us >= 1e6 {
        format!("{:.1} s", us / 1e6).replace(".0 s", " s")
    } else if us >= 1e3 {
        format!("{:.0} ms", us / 1e3)
    } else {
        format!("{:.1} ms", us / 1e3)
    }
}

pub fn charts(props: &View) -> Html {
    let w = props.world.borrow();
    let samples: Vec<&Sample> = w.series().samples().collect();
    if samples.is_empty() {
        return html! {
            <section class="charts" aria-label="Charts">
                <p class="hint">{ "Charts fill in after the first simulated second." }</p>
            </section>
        };
    }
    let col = |f: &dyn Fn(&Sample) -> Option<f64>| samples.iter().map(|s| f(s)).collect::<Vec<_>>();
    let pct = |ok: u32, bad: u32| (ok + bad > 0).then(|| 100.0 * ok as f64 / (ok + bad) as f64);
    let latency = line_chart(
        "latency",
        "Latency percentiles (ms)",
        "ms",
        vec![
            Series {
                label: "p50".into(),
                class: "p50",
                values: col(&|s| s.p50_ms),
            },
            Series {
                label: "p95".into(),
                class: "p95",
                values: col(&|s| s.p95_ms),
            },
            Series {
                label: "p99".into(),
                class: "p99",
                values: col(&|s| s.p99_ms),
            },
        ],
        1.0,
    );
    let servers = w.servers().len();
    let mut load: Vec<Series> = (0..servers)
        .map(|i| Series {
            label: String::new(),
            class: "server-load",
            values: col(&|s| s.utilization.get(i).map(|&u| u as f64 * 100.0)),
        })
        .collect();
    load.push(Series {
        label: "mean of the servers".into(),
        class: "mean-load",
        values: col(&|s| {
            (!s.utilization.is_empty()).then(|| {
                s.utilization.iter().map(|&u| u as f64).sum::<f64>() * 100.0
                    / s.utilization.len() as f64
            })
        }),
    });
    if servers > 0 {
        load[0].label = "each server".into();
    }
    let load = line_chart(
        "load",
        "Per-server load (% of workers busy)",
        "%",
        load,
        100.0,
    );
    let lag = line_chart(
        "lag",
        "Replication lag, slowest replica (ms)",
        "ms",
        vec![Series {
            label: "max lag".into(),
            class: "lag",
            values: col(&|s| Some(s.max_lag_ms)),
        }],
        10.0,
    );
    let availability = line_chart(
        "availability",
        "Availability (% of requests that succeeded)",
        "%",
        vec![
            Series {
                label: "all".into(),
                class: "avail",
                values: col(&|s| pct(s.ok, s.failed_total())),
            },
            Series {
                label: "reads".into(),
                class: "reads",
                values: col(&|s| pct(s.reads_ok, s.reads_failed)),
            },
            Series {
                label: "writes".into(),
                class: "writes",
                values: col(&|s| pct(s.writes_ok, s.writes_failed)),
            },
        ],
        100.0,
    );
    html! {
        <section class="charts" aria-label="Charts">
            { throughput(&samples) }
            { latency }
            { availability }
            { load }
            { lag }
            { histogram(&w.series().latency_histogram()) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(101.0), 200.0);
        assert_eq!(nice_ceiling(0.03), 0.05);
        assert_eq!(nice_ceiling(4_900.0), 5_000.0);
    }

    #[test]
    fn lines_break_at_gaps_and_run_right_to_left_from_now() {
        let d = polyline(&[Some(1.0), None, Some(2.0), Some(2.0)], 2.0);
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(d.ends_with(&format!("{RIGHT:.1} {TOP:.1}")), "{d}");
    }
}
