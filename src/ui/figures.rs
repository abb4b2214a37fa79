//! The live figures row. Every number is read from the World's metrics.

use yew::prelude::*;

use super::app::View;

/// One live figure: its `data-metric` hook, label, value (`None` shows a dash), unit and tooltip.
pub(super) struct Figure {
    pub metric: &'static str,
    pub label: &'static str,
    pub value: Option<String>,
    pub unit: &'static str,
    pub hint: &'static str,
}

/// A row of figure cards.
pub(super) fn figure_row(
    class: Classes,
    name: &'static str,
    figures: impl IntoIterator<Item = Figure>,
) -> Html {
    html! {
        <section {class} aria-label={name}>
            { for figures.into_iter().map(|f| html! {
                <div class="figure" title={f.hint}>
                    <div class="label">{ f.label }</div>
                    <div class="value">
                        <span data-metric={f.metric}>{ f.value.unwrap_or_else(|| "–".into()) }</span>
                        <span class="unit">{ f.unit }</span>
                    </div>
                </div>
            }) }
        </section>
    }
}

pub fn figures(props: &View) -> Html {
    let w = props.world.borrow();
    let m = w.metrics();
    let now = w.now();
    let ms = |q: f64| {
        m.latency
            .quantile(q)
            .map(|us| format!("{:.0}", us / 1000.0))
    };
    let figures = [
        Figure {
            metric: "throughput",
            label: "Throughput",
            value: Some(format!("{:.1}", m.throughput(now))),
            unit: "req/s",
            hint: "successful responses per simulated second, last 5 s",
        },
        Figure {
            metric: "success-rate",
            label: "Success",
            value: m.success_rate(now).map(|p| format!("{p:.1}")),
            unit: "%",
            hint: "share of requests finished in the last 10 s that succeeded",
        },
        Figure {
            metric: "p50",
            label: "p50",
            value: ms(0.50),
            unit: "ms",
            hint: "median, whole run",
        },
        Figure {
            metric: "p95",
            label: "p95",
            value: ms(0.95),
            unit: "ms",
            hint: "95th percentile, whole run",
        },
        Figure {
            metric: "p99",
            label: "p99",
            value: ms(0.99),
            unit: "ms",
            hint: "99th percentile, whole run",
        },
        Figure {
            metric: "errors",
            label: "Errors",
            value: Some(m.failed_total().to_string()),
            unit: "total",
            hint: "failed requests since the run began",
        },
        Figure {
            metric: "retries",
            label: "Retries",
            value: Some(m.retries.to_string()),
            unit: "total",
            hint: "attempts made again on another server after a timeout or a refusal",
        },
        Figure {
            metric: "cost",
            label: "Cost",
            value: Some(format!("{:.2}", w.fleet_cost_per_hour())),
            unit: "$/h",
            hint: "hourly price of the servers at their power levels",
        },
        Figure {
            metric: "in-flight",
            label: "In flight",
            value: Some(w.in_flight().to_string()),
            unit: "req",
            hint: "issued, not yet answered or failed",
        },
    ];
    figure_row(classes!("figures"), "Live figures", figures)
}
