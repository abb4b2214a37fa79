//! Live charts of the last 6 simulated seconds, drawn from the World's series of ticks (a tenth of a
//! second each): every point is a count or a percentile the simulation measured in that tick.

use std::fmt::Write;

use yew::prelude::*;

use super::markup::esc;
use super::view::View;
use crate::sim::Cause;
use crate::sim::decimal::{Fixed, fixed, within};
use crate::sim::series::{LATENCY_BINS, SERIES_TICKS, Sample, bin_floor_us};
use crate::sim::time::{TICK, TICKS_PER_SECOND};

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

fn x_of(age: f64) -> f64 {
    RIGHT - (RIGHT - LEFT) * age / (SERIES_TICKS - 1) as f64
}

/// A coordinate as the SVG gets it.
fn px(v: f64) -> Fixed {
    fixed(v, 1)
}

fn y_of(v: f64, max: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * within(v / max, 0.0, 1.0)
}

fn short(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{}k", fixed(v / 1000.0, 0))
    } else if v >= 1000.0 {
        format!("{}k", fixed(v / 1000.0, 1))
    } else {
        crate::sim::decimal::trim(v)
    }
}

/// Gridlines and value labels at 0, half and the maximum.
fn value_grid(o: &mut String, max: f64) {
    for t in [0.0, max / 2.0, max] {
        let y = y_of(t, max);
        let _ = write!(
            o,
            "<line class=\"grid\" x1=\"{l}\" x2=\"{r}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            px(LEFT - 4.0),
            px(y + 4.0),
            short(t),
            l = px(LEFT),
            r = px(RIGHT),
            y = px(y),
        );
    }
}

/// The vertical axis's label, turned.
fn unit_label(o: &mut String, unit: &str) {
    let mid = (TOP + BOTTOM) / 2.0;
    let _ = write!(
        o,
        "<text class=\"axis-label\" x=\"10\" y=\"{mid}\" text-anchor=\"middle\" transform=\"rotate(-90 10 {mid})\">{unit}</text>",
        mid = px(mid)
    );
}

/// Axes, gridlines and labels shared by the time charts.
fn time_axes(o: &mut String, max: f64, unit: &str) {
    value_grid(o, max);
    let (mid, y) = ((LEFT + RIGHT) / 2.0, H - 12.0);
    let _ = write!(
        o,
        "<text class=\"tick\" x=\"{l}\" y=\"{y}\">−6 s</text><text class=\"tick\" x=\"{mid}\" y=\"{y}\" text-anchor=\"middle\">−3 s</text><text class=\"tick\" x=\"{r}\" y=\"{y}\" text-anchor=\"end\">now</text><text class=\"axis-label\" x=\"{mid}\" y=\"{}\" text-anchor=\"middle\">simulated time</text>",
        px(H - 1.0),
        l = px(LEFT),
        r = px(RIGHT),
        mid = px(mid),
        y = px(y),
    );
    unit_label(o, unit);
}

/// Marks for the actions taken while the chart's ticks ran: a thin line at the moment of each and a
/// short label, so before and after can be read off the chart. `last` is the newest sample's tick
/// (drawn at the right edge); an action sits between the points of the ticks before and after it.
pub(super) fn action_marks(recorded: &[crate::sim::event::Recorded], last: u64) -> String {
    let mut o = String::new();
    let mut row = 0;
    for r in recorded {
        let age = (last + 1) as f64 - r.at as f64 / TICK as f64;
        if !(0.0..=(SERIES_TICKS - 1) as f64).contains(&age) {
            continue;
        }
        let x = x_of(age);
        let (anchor, dx) = if x > RIGHT - 50.0 {
            ("end", -2.0)
        } else {
            ("start", 2.0)
        };
        // Labels of actions close together take turns on three rows.
        let y = TOP + 8.0 + 9.0 * (row % 3) as f64;
        row += 1;
        let label = esc(&r.action.short());
        let _ = write!(
            o,
            "<g class=\"action-mark\" data-mark=\"{label}\"><line x1=\"{x}\" x2=\"{x}\" y1=\"{t}\" y2=\"{b}\"/><text x=\"{}\" y=\"{y}\" text-anchor=\"{anchor}\">{label}</text></g>",
            px(x + dx),
            x = px(x),
            y = px(y),
            t = px(TOP),
            b = px(BOTTOM),
        );
    }
    o
}

/// One series: a legend label, a CSS class, and a value per sample (None leaves a gap).
pub(super) struct Series {
    pub label: String,
    pub class: &'static str,
    pub values: Vec<Option<f64>>,
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
                    "{}{} {}",
                    if pen_down { "L" } else { "M" },
                    px(x_of(age)),
                    px(y_of(*v, max))
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

/// A chart: a figure with its caption, the SVG `body`, and a legend of (label, class).
fn chart(id: &str, title: &str, body: &str, legend: &[(String, &str)]) -> String {
    let mut o = format!(
        "<figure class=\"chart\" data-chart=\"{id}\"><figcaption>{title}</figcaption><svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\">{body}</svg>",
        w = px(W),
        h = px(H),
    );
    if !legend.is_empty() {
        o.push_str("<ul class=\"chart-legend\">");
        for (label, class) in legend {
            let _ = write!(
                o,
                "<li><span class=\"swatch {class}\"></span>{}</li>",
                esc(label)
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</figure>");
    o
}

pub(super) fn line_chart(
    id: &'static str,
    title: &str,
    unit: &str,
    series: Vec<Series>,
    floor_max: f64,
    marks: &str,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(floor_max, |a, &b| a.max(b));
    let max = nice_ceiling(max);
    let labels: Vec<(String, &str)> = series
        .iter()
        .filter(|s| !s.label.is_empty())
        .map(|s| (s.label.clone(), s.class))
        .collect();
    let mut body = String::new();
    time_axes(&mut body, max, unit);
    for s in &series {
        let _ = write!(
            body,
            "<path class=\"line {}\" d=\"{}\"/>",
            s.class,
            polyline(&s.values, max)
        );
    }
    body.push_str(marks);
    chart(id, title, &body, &labels)
}

/// Throughput stacked by outcome, as areas: successes at the bottom, then each kind of failure.
fn throughput(samples: &[&Sample], marks: &str) -> String {
    let groups: [(&str, &'static str, &[Cause]); 5] = [
        ("timed out", "timeout", &[Cause::Timeout]),
        (
            "refused (queue full, shed, no server, circuit open)",
            "refused",
            &[
                Cause::QueueFull,
                Cause::Shed,
                Cause::NoServer,
                Cause::CircuitOpen,
            ],
        ),
        ("database unavailable", "dbdown", &[Cause::DbUnavailable]),
        (
            "network, conflicts, client pool full",
            "other",
            &[Cause::Network, Cause::Conflict, Cause::ClientPool],
        ),
        (
            "refused at the edge (401, 403)",
            "edge",
            &[Cause::Unauthorized, Cause::Forbidden],
        ),
    ];
    let n = samples.len();
    // Counts per tick, drawn per second.
    let rate = TICKS_PER_SECOND as f64;
    let mut layers: Vec<(String, &'static str, Vec<f64>)> = vec![(
        "succeeded".into(),
        "ok",
        samples.iter().map(|s| s.ok as f64 * rate).collect(),
    )];
    for (label, class, causes) in groups {
        layers.push((
            label.into(),
            class,
            samples
                .iter()
                .map(|s| {
                    rate * causes
                        .iter()
                        .map(|&c| s.failed[c as usize] as f64)
                        .sum::<f64>()
                })
                .collect(),
        ));
    }
    let totals: Vec<f64> = (0..n)
        .map(|k| layers.iter().map(|l| l.2[k]).sum())
        .collect();
    let offered = samples.iter().map(|s| s.fleet.offered as f64);
    let max = nice_ceiling(totals.iter().copied().chain(offered).fold(1.0, f64::max));
    let mut base = vec![0.0; n];
    let mut body = String::new();
    time_axes(&mut body, max, "req/s");
    for (_, class, values) in &layers {
        if values.iter().all(|&v| v == 0.0) {
            continue;
        }
        let top: Vec<f64> = base.iter().zip(values).map(|(b, v)| b + v).collect();
        let x = |k: usize| x_of((n - 1 - k) as f64);
        let mut d = String::new();
        for (k, &v) in top.iter().enumerate() {
            let pen = if k == 0 { "M" } else { "L" };
            let _ = write!(d, "{pen}{} {}", px(x(k)), px(y_of(v, max)));
        }
        for k in (0..n).rev() {
            let _ = write!(d, "L{} {}", px(x(k)), px(y_of(base[k], max)));
        }
        let _ = write!(body, "<path class=\"area {class}\" d=\"{d}Z\"/>");
        base = top;
    }
    // The rate the traffic's shape asks for, over the areas (it is the arrival rate when steady).
    let offered: Vec<Option<f64>> = samples
        .iter()
        .map(|s| Some(s.fleet.offered as f64))
        .collect();
    let _ = write!(
        body,
        "<path class=\"line offered\" d=\"{}\"/>",
        polyline(&offered, max)
    );
    body.push_str(marks);
    let mut labels: Vec<(String, &str)> = layers.iter().map(|(l, c, _)| (l.clone(), *c)).collect();
    labels.push(("asked for (the traffic's shape)".into(), "offered"));
    chart(
        "throughput",
        "Throughput by outcome (requests per second)",
        &body,
        &labels,
    )
}

/// Latency histogram over the ticks the charts show: half-octave bins on a log axis.
fn histogram(counts: &[u64; LATENCY_BINS]) -> String {
    const TITLE: &str = "Latency histogram, last 6 s";
    let first = counts.iter().position(|&c| c > 0);
    let last = counts.iter().rposition(|&c| c > 0);
    let (Some(first), Some(last)) = (first, last) else {
        let body = format!(
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no answer yet</text>",
            px(W / 2.0),
            px(H / 2.0)
        );
        return chart("histogram", TITLE, &body, &[]);
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
    let mut body = String::new();
    value_grid(&mut body, max);
    for (i, &count) in counts.iter().enumerate().take(hi + 1).skip(lo) {
        let share = count as f64 / total as f64 * 100.0;
        let y = y_of(share, max);
        let _ = write!(
            body,
            "<rect class=\"bar\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\"><title>{} – {}: {share} %</title></rect>",
            px(LEFT + (i - lo) as f64 * bw + 0.5),
            px((bw - 1.0).max(0.5)),
            px(BOTTOM - y),
            fmt_latency(bin_floor_us(i)),
            fmt_latency(bin_floor_us(i + 1)),
            y = px(y),
            share = px(share),
        );
    }
    for i in (lo..=hi + 1).filter(|i| i % 3 == 0) {
        let _ = write!(
            body,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            px(LEFT + (i - lo) as f64 * bw),
            px(BOTTOM + 12.0),
            fmt_latency(bin_floor_us(i))
        );
    }
    let _ = write!(
        body,
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">latency (log scale)</text>",
        px((LEFT + RIGHT) / 2.0),
        px(H - 1.0)
    );
    unit_label(&mut body, "% of requests");
    chart("histogram", TITLE, &body, &[])
}

fn fmt_latency(us: f64) -> String {
    if us >= 1e6 {
        let s = fixed(us / 1e6, 1).to_string();
        format!("{} s", s.strip_suffix(".0").unwrap_or(&s))
    } else if us >= 1e3 {
        format!("{} ms", fixed(us / 1e3, 0))
    } else {
        format!("{} ms", fixed(us / 1e3, 1))
    }
}

pub fn charts(props: &View) -> Html {
    let w = props.world.borrow();
    let samples: Vec<&Sample> = w.series().samples().collect();
    if samples.is_empty() {
        return html! {
            <section class="charts" aria-label="Charts">
                <p class="hint">{ "Charts fill in after a tenth of a second." }</p>
            </section>
        };
    }
    let last = samples.last().map_or(0, |s| s.tick);
    let marks = action_marks(w.recorded(), last);
    let mut all = throughput(&samples, &marks);
    let col = |f: &dyn Fn(&Sample) -> Option<f64>| samples.iter().map(|s| f(s)).collect::<Vec<_>>();
    let pct = |ok: u32, bad: u32| (ok + bad > 0).then(|| 100.0 * ok as f64 / (ok + bad) as f64);
    all += &line_chart(
        "latency",
        "Latency percentiles, each tenth of a second (ms)",
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
        &marks,
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
        &marks,
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
        &marks,
    );
    all += &line_chart(
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
        &marks,
    );
    all += &load;
    all += &lag;
    all += &histogram(&w.series().latency_histogram());
    // The fleet's size, once an autoscaler has been on in the span shown.
    if samples.iter().any(|s| s.fleet.desired > 0) {
        let n = |f: fn(&Sample) -> u16| col(&|s| Some(f(s) as f64));
        all += &line_chart(
            "fleet",
            "Fleet size (servers)",
            "servers",
            vec![
                Series {
                    label: "in the fleet".into(),
                    class: "fleet",
                    values: n(|s| s.fleet.servers),
                },
                Series {
                    label: "starting".into(),
                    class: "starting",
                    values: n(|s| s.fleet.starting),
                },
                Series {
                    label: "wanted".into(),
                    class: "wanted",
                    values: n(|s| s.fleet.desired),
                },
            ],
            4.0,
            &marks,
        );
    }
    html! {
        <section class="charts" aria-label="Charts">{ Html::from_html_unchecked(all.into()) }</section>
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
