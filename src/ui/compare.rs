//! Side by side: pick 2–4 strategies or replication modes, and the same system runs once per
//! choice on the same requests (`sim::compare`), with a small diagram each, shared charts, and the
//! figures in one table.

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::charts::{Series, action_marks, line_chart};
use super::pure::{Panel, pure};
use super::state::Msg;
use super::widgets::button;
use crate::sim::compare::{Comparison, MAX_RUNS, Variant};
use crate::sim::decimal::fixed;
use crate::sim::time::TICKS_PER_SECOND;
use crate::sim::{Replication, Strategy};

const CLASSES: [&str; MAX_RUNS] = ["run-1", "run-2", "run-3", "run-4"];

fn value(v: Variant) -> String {
    match v {
        Variant::Strategy(s) => format!("s:{s}"),
        Variant::Replication(r) => format!("r:{r}"),
    }
}

fn parse(text: &str) -> Option<Variant> {
    match text.split_once(':')? {
        ("s", s) => s.parse::<Strategy>().ok().map(Variant::Strategy),
        ("r", r) => r.parse::<Replication>().ok().map(Variant::Replication),
        _ => None,
    }
}

/// The choices ticked in the form.
fn ticked() -> Vec<Variant> {
    let list = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("input[name=compare]:checked").ok());
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
        .filter_map(|input| parse(&input.value()))
        .collect()
}

/// The form: every choice as a checkbox, and a button to run the ticked ones.
pub(super) fn compare_setup(on: &Callback<Msg>) -> Html {
    let group = |title: &'static str, replication: bool| {
        html! {
            <fieldset>
                <legend>{ title }</legend>
                { for Variant::all(replication).into_iter().map(|v| html! {
                    <label class="check">
                        <input type="checkbox" name="compare" value={value(v)} />{ v.label() }
                    </label>
                }) }
            </fieldset>
        }
    };
    let run = {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Msg::Compare(ticked())))
    };
    html! {
        <details class="panel compare-setup">
            <summary>{ "Side by side" }</summary>
            <div class="panel-body">
                <p class="hint">{ "Run the current settings once per choice, on the same seed and so the very same requests." }</p>
                { group("Balancing strategies", false) }
                { group("Replication modes", true) }
                <button type="button" class="primary" onclick={run}>{ "Run side by side" }</button>
            </div>
        </details>
    }
}

/// A run's system in miniature: servers by status and queue, replicas by role.
fn mini(o: &mut String, w: &crate::sim::World, class: &str, label: &str) {
    let servers = w.servers();
    let step = 100.0 / servers.len().max(1) as f64;
    let _ = write!(
        o,
        "<figure class=\"mini {class}\"><svg viewBox=\"0 0 110 44\" role=\"img\" aria-label=\"{label}\">"
    );
    for (i, s) in servers.iter().enumerate() {
        let (x, width) = (
            fixed(5.0 + i as f64 * step, 1),
            fixed((step - 1.0).max(0.5), 1),
        );
        let _ = write!(
            o,
            "<rect class=\"mini-server {}\" x=\"{x}\" y=\"4\" width=\"{width}\" height=\"10\"/><rect class=\"mini-queue\" x=\"{x}\" y=\"16\" width=\"{width}\" height=\"{}\"/>",
            s.status.name(),
            s.queue.len().min(20)
        );
    }
    for (j, r) in w.replicas().iter().enumerate() {
        let _ = write!(
            o,
            "<circle class=\"mini-db {}{}\" cx=\"{}\" cy=\"40\" r=\"3.5\"/>",
            r.role.name(),
            if r.status.is_up() { "" } else { " down" },
            10 + 12 * j
        );
    }
    let _ = write!(o, "</svg><figcaption>{label}</figcaption></figure>");
}

/// Which of the person's actions every run replays, and which it leaves out.
fn replay_note(c: &Comparison) -> String {
    let list = |rs: &[crate::sim::event::Recorded]| {
        rs.iter()
            .map(|r| format!("{} at {} s", r.action.short(), fixed(r.at as f64 / 1e6, 1)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut o = if c.replayed.is_empty() {
        "Each run starts from where yours started; you had taken no action to replay.".to_string()
    } else {
        format!(
            "Each run starts from where yours started and replays your actions at the same moments: {}.",
            list(&c.replayed)
        )
    };
    if !c.left_out.is_empty() {
        let _ = write!(
            o,
            " Left out, as they set the choice being compared: {}.",
            list(&c.left_out)
        );
    }
    o
}

fn cell(v: Option<f64>, digits: u8) -> String {
    v.filter(|v| v.is_finite())
        .map_or("–".into(), |v| fixed(v, digits).to_string())
}

/// The runs: small diagrams (every frame), and shared charts with the table of p99, errors and
/// cost (once a tick, like the main charts: rebuilding SVG markup every frame is waste).
pub(super) fn compare_view(on: &Callback<Msg>, c: &Rc<RefCell<Comparison>>) -> Html {
    let (header, minis, tick, note) = {
        let c = c.borrow();
        let seed = c.runs.first().map_or(0, |(_, w)| w.config().seed);
        let mut minis = String::new();
        for ((v, w), class) in c.runs.iter().zip(CLASSES) {
            mini(&mut minis, w, class, &v.label());
        }
        let tick = c
            .runs
            .first()
            .and_then(|(_, w)| w.series().samples().last())
            .map_or(0, |s| s.tick + 1);
        (
            format!(
                "Side by side · seed {seed} · {} s",
                fixed(c.now() as f64 / 1e6, 1)
            ),
            minis,
            tick,
            replay_note(&c),
        )
    };
    html! {
        <section class="compare" aria-label="Side by side">
            <header class="row">
                <h2>{ header }</h2>
                { button(on, "Back to the playground".into(), "", || Msg::CloseCompare) }
            </header>
            <p class="hint replayed" data-replayed={c.borrow().replayed.len().to_string()}>{ note }</p>
            <div class="minis">{ Html::from_html_unchecked(minis.into()) }</div>
            { pure(Rc::new(Figures(c.clone(), tick))) }
        </section>
    }
}

/// The shared charts and the table, redrawn once a tick (the second field).
struct Figures(Rc<RefCell<Comparison>>, u64);

impl PartialEq for Figures {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) && self.1 == other.1
    }
}

impl Panel for Figures {
    fn render(&self) -> Html {
        charts_and_table(&self.0.borrow())
    }
}

fn charts_and_table(c: &Comparison) -> Html {
    let runs = || c.runs.iter().zip(CLASSES);
    let per_tick = |f: fn(&crate::sim::series::Sample) -> Option<f64>| -> Vec<Series> {
        runs()
            .map(|((v, w), class)| Series {
                label: v.label(),
                class,
                values: w.series().samples().map(f).collect(),
            })
            .collect()
    };
    let last = c
        .runs
        .first()
        .and_then(|(_, w)| w.series().samples().last())
        .map_or(0, |s| s.tick);
    let marks = action_marks(&c.replayed, last);
    let charts = line_chart(
        "compare-p99",
        "p99 latency (ms), each tenth of a second",
        "ms",
        per_tick(|s| s.p99_ms),
        1.0,
        &marks,
    ) + &line_chart(
        "compare-errors",
        "Failed requests per second",
        "req/s",
        per_tick(|s| Some((s.failed_total() as u64 * TICKS_PER_SECOND) as f64)),
        1.0,
        &marks,
    );
    let mut table = String::from(
        "<div class=\"table-wrap\"><table class=\"compare-table\"><thead><tr><th scope=\"col\">Choice</th><th scope=\"col\">p99 ms</th><th scope=\"col\">p50 ms</th><th scope=\"col\">Errors</th><th scope=\"col\">Success %</th><th scope=\"col\">Cost $/h</th><th scope=\"col\">Stale reads</th><th scope=\"col\">Lost writes</th></tr></thead><tbody>",
    );
    for ((v, s), class) in c.summaries().iter().zip(CLASSES) {
        let [_, p50, _, p99, _] = s.latency_ms.map_or([None; 5], |l| l.map(Some));
        let done = s.succeeded + s.failed;
        let _ = write!(
            table,
            "<tr data-compare=\"{}\"><th scope=\"row\"><span class=\"swatch {class}\"></span>{}</th><td data-col=\"p99\">{}</td><td data-col=\"p50\">{}</td><td data-col=\"errors\">{}</td><td data-col=\"success\">{}</td><td data-col=\"cost\">{}</td><td data-col=\"stale\">{}</td><td data-col=\"lost\">{}</td></tr>",
            value(*v),
            v.label(),
            cell(p99, 0),
            cell(p50, 0),
            s.failed,
            cell(
                (done > 0).then(|| 100.0 * s.succeeded as f64 / done as f64),
                1
            ),
            cell(Some(s.fleet_cost_per_hour), 2),
            s.replication.stale_reads,
            s.replication.lost_acked_writes
        );
    }
    table.push_str("</tbody></table></div>");
    html! { <>
        <div class="charts">{ Html::from_html_unchecked(charts.into()) }</div>
        { Html::from_html_unchecked(table.into()) }
    </> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_survives_the_form() {
        for r in [false, true] {
            for v in Variant::all(r) {
                assert_eq!(parse(&value(v)), Some(v));
            }
        }
        assert_eq!(parse("s:nope"), None);
        assert_eq!(parse("garbage"), None);
    }
}
