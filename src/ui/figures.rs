//! The live figures row. Every number is read from the World's metrics.

use yew::prelude::*;

use super::state::Msg;
use super::view::View;
use crate::sim::decimal::fixed;
use crate::sim::metrics::Window;

/// One live figure: its `data-metric` hook, label, value (`None` shows a dash), unit and tooltip.
pub(super) struct Figure {
    pub metric: &'static str,
    pub label: &'static str,
    pub value: Option<String>,
    pub unit: &'static str,
    pub hint: &'static str,
}

/// How a figure reads on screen: counts from 10,000 up abbreviated (12.3 k, 1.2 M) so they fit
/// their tile; times in ms are left whole. The exact text stays in `data-value`.
fn on_screen(exact: &str, unit: &str) -> String {
    if unit == "ms" {
        return exact.to_string();
    }
    match exact.parse::<u64>() {
        Ok(n) if n >= 1_000_000 => format!("{} M", fixed(n as f64 / 1e6, 1)),
        Ok(n) if n >= 10_000 => format!("{} k", fixed(n as f64 / 1e3, 1)),
        _ => exact.to_string(),
    }
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
                // Focusable, so its meaning shows for the keyboard as for the mouse.
                <div class="figure" tabindex="0">
                    <div class="label">{ f.label }</div>
                    <div class="value">
                        {{
                            let exact = f.value.unwrap_or_else(|| "–".into());
                            html! { <span data-metric={f.metric} data-value={exact.clone()}>{ on_screen(&exact, f.unit) }</span> }
                        }}
                        <span class="unit">{ f.unit }</span>
                    </div>
                    <div class="meaning">{ f.hint }</div>
                </div>
            }) }
        </section>
    }
}

pub fn figures(props: &View, window: Window, on: &Callback<Msg>) -> Html {
    let w = props.world.borrow();
    let h = w.metrics().headline(w.now(), window);
    let whole = window == Window::Run;
    let ms = |v: Option<f64>| v.map(|ms| fixed(ms, 0).to_string());
    let over = window.label();
    let figures = [
        Figure {
            metric: "throughput",
            label: "Throughput",
            value: Some(fixed(h.throughput, 1).to_string()),
            unit: "req/s",
            hint: if whole {
                "successful responses per simulated second, averaged over the whole run"
            } else {
                "successful responses per simulated second, over the last simulated second"
            },
        },
        Figure {
            metric: "success-rate",
            label: "Success",
            value: h.success.map(|p| fixed(p, 1).to_string()),
            unit: "%",
            hint: "share of finished requests that succeeded",
        },
        Figure {
            metric: "p50",
            label: "p50",
            value: ms(h.p50_ms),
            unit: "ms",
            hint: "median wait for an answer, errors included",
        },
        Figure {
            metric: "p95",
            label: "p95",
            value: ms(h.p95_ms),
            unit: "ms",
            hint: "95th percentile wait for an answer, errors included",
        },
        Figure {
            metric: "p99",
            label: "p99",
            value: ms(h.p99_ms),
            unit: "ms",
            hint: "99th percentile wait for an answer, errors included",
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
            metric: "wasted",
            label: "Wasted",
            value: h.wasted.map(|p| fixed(p, 1).to_string()),
            unit: "%",
            hint: "share of the servers' work spent on requests nobody waited for any more (the balancer had given up on them)",
        },
        Figure {
            metric: "cost",
            label: "Cost",
            value: Some(fixed(w.fleet_cost_per_hour(), 2).to_string()),
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
                    { if whole { "Show the last second" } else { "Show the whole run" } }
                </button>
            </p>
            { figure_row(classes!("figures"), "Live figures", figures) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::on_screen;

    #[test]
    fn large_counts_are_abbreviated_and_the_rest_shown_as_is() {
        assert_eq!(on_screen("9999", "req"), "9999");
        assert_eq!(on_screen("12345", "req"), "12.3 k");
        assert_eq!(on_screen("1210187", ""), "1.2 M");
        assert_eq!(on_screen("12345", "ms"), "12345");
        assert_eq!(on_screen("99.5", "%"), "99.5");
        assert_eq!(on_screen("–", "req"), "–");
    }
}
