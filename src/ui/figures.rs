//! The live figures row. Every number is read from the World's metrics.

use yew::prelude::*;

use super::app::View;
use super::state::Msg;
use crate::sim::metrics::Window;

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

pub fn figures(props: &View, window: Window, on: &Callback<Msg>) -> Html {
    let w = props.world.borrow();
    let h = w.metrics().headline(w.now(), window);
    let whole = window == Window::Run;
    let ms = |v: Option<f64>| v.map(|ms| format!("{ms:.0}"));
    let over = window.label();
    let figures = [
        Figure {
            metric: "throughput",
            label: "Throughput",
            value: Some(format!("{:.1}", h.throughput)),
            unit: "req/s",
            hint: if whole {
                "successful responses per simulated second, averaged over the whole run"
            } else {
                "successful responses per simulated second, last 10 s"
            },
        },
        Figure {
            metric: "success-rate",
            label: "Success",
            value: h.success.map(|p| format!("{p:.1}")),
            unit: "%",
            hint: "share of finished requests that succeeded",
        },
        Figure {
            metric: "p50",
            label: "p50",
            value: ms(h.p50_ms),
            unit: "ms",
            hint: "median latency of successful requests",
        },
        Figure {
            metric: "p95",
            label: "p95",
            value: ms(h.p95_ms),
            unit: "ms",
            hint: "95th percentile latency of successful requests",
        },
        Figure {
            metric: "p99",
            label: "p99",
            value: ms(h.p99_ms),
            unit: "ms",
            hint: "99th percentile latency of successful requests",
        },
        Figure {
            metric: "errors",
            label: "Errors",
            value: Some(h.failed.to_string()),
            unit: "req",
            hint: "failed requests",
        },
        Figure {
            metric: "retries",
            label: "Retries",
            value: Some(h.retries.to_string()),
            unit: "",
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
    let switch = if whole { Window::Recent } else { Window::Run };
    let toggle = on.reform(move |_: MouseEvent| Msg::SetWindow(switch));
    html! {
        <div class="headline" data-window={if whole { "run" } else { "recent" }}>
            <p class="window-caption">
                <span>{ "Figures over the " }<b data-window-label="">{ over }</b>{ " of simulated time" }</span>
                <button type="button" class="textlink" aria-pressed={whole.to_string()} onclick={toggle}>
                    { if whole { "Show the last 10 s" } else { "Show the whole run" } }
                </button>
            </p>
            { figure_row(classes!("figures"), "Live figures", figures) }
        </div>
    }
}
