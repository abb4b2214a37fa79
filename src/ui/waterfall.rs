//! The request waterfall: one request followed across its hops, each stretch a bar on a shared
//! time axis (network, bandwidth wait, queue, service, database, backoff, timed-out attempts).

use std::fmt::Write;

use yew::prelude::*;

use super::markup::esc;
use super::state::Msg;
use super::view::View;
use super::widgets::button;
use crate::sim::Action;
use crate::sim::decimal::fixed;

#[derive(Properties, PartialEq)]
pub struct WaterfallProps {
    pub view: View,
    pub on: Callback<Msg>,
}

pub fn waterfall(props: &WaterfallProps) -> Html {
    let w = props.view.world.borrow();
    let trace_button = button(&props.on, "Trace the next request".into(), "", || {
        Msg::Do(Action::TraceNext)
    });
    let body = match w.waterfall() {
        None if w.tracing_next() => {
            html! { <p class="hint">{ "Waiting for the client's next request…" }</p> }
        }
        None => html! {
            <p class="hint">{ "Follow one request across every hop: where its time goes, and why." }</p>
        },
        Some(t) => {
            let end = t
                .spans
                .iter()
                .map(|s| s.to)
                .max()
                .unwrap_or(t.issued)
                .max(if t.done() { t.issued } else { w.now() });
            let total = end.saturating_sub(t.issued).max(1) as f64;
            let outcome = match t.outcome {
                None => "in flight…".to_string(),
                Some(Ok(us)) => format!("succeeded in {} ms", fixed(us as f64 / 1e3, 1)),
                Some(Err(cause)) => format!("failed: {}", cause.name()),
            };
            let mut o = format!(
                "<p class=\"trace-title\"><b>{}</b> — {outcome}</p><ol class=\"spans\">",
                esc(&t.what)
            );
            for s in &t.spans {
                let left = s.from.saturating_sub(t.issued) as f64 / total * 100.0;
                let width = (s.to.saturating_sub(s.from) as f64 / total * 100.0).max(0.6);
                let kind = s.kind.name();
                // SVG geometry, not inline styles: the page's CSP allows no inline style.
                let _ = write!(
                    o,
                    "<li class=\"span-row\" data-span=\"{kind}\"><span class=\"span-label\">{}</span><svg class=\"span-track\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"track\" width=\"100\" height=\"10\" rx=\"1.5\"/><rect class=\"span-bar {kind}\" x=\"{}\" width=\"{}\" height=\"10\" rx=\"1.5\"/></svg><span class=\"span-ms\">{} ms</span></li>",
                    esc(&s.text),
                    fixed(left, 2),
                    fixed(width, 2),
                    fixed(s.to.saturating_sub(s.from) as f64 / 1e3, 1)
                );
            }
            o.push_str("</ol>");
            Html::from_html_unchecked(o.into())
        }
    };
    html! {
        <section class="waterfall" aria-label="Request waterfall">
            <div class="inspector-head">
                <h2>{ "Request waterfall" }</h2>
                { trace_button }
            </div>
            { body }
        </section>
    }
}
