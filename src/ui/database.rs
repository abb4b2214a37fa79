//! The database panel: how it replicates, per-replica fail / isolate buttons, and the anomaly
//! counters the model keeps (every figure read from the World).

use yew::prelude::*;

use super::figures::{Figure, figure_row};
use super::state::Msg;
use super::view::View;
use super::widgets::{button, choice, node_button};
use crate::sim::decimal::fixed;
use crate::sim::linearizable::MAX_HELD;
use crate::sim::world::World;
use crate::sim::{Action, ClockKind, Consistency, NodeId, ReadFrom, Replication, SyncAcks};

#[derive(Properties, PartialEq)]
pub struct DatabaseProps {
    pub view: View,
    pub on: Callback<Msg>,
}

pub fn database_controls(props: &DatabaseProps) -> Html {
    let w = props.view.world.borrow();
    let on = &props.on;
    let cfg = w.config();

    let replicas_change = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = select.value().parse::<usize>() {
                on.emit(Msg::SetReplicas(n));
            }
        })
    };
    html! {
        <section class="controls database" aria-label="Database">
            <span class="heading">{ "Database" }</span>
            <div class="group">
                <label for="replicas">{ "Replicas N (restarts the run)" }</label>
                <select id="replicas" onchange={replicas_change}>
                    { for (1..=crate::sim::config::MAX_REPLICAS).map(|n| html! {
                        <option value={n.to_string()} selected={n == w.replicas().len()}>{ n }</option>
                    }) }
                </select>
            </div>
            { choice(on, "replication", "Replication",
                &[Replication::LeaderAsync, Replication::LeaderSync, Replication::Quorum].map(|r| (r.name(), r.label())),
                cfg.replication.name(), |v| v.parse::<Replication>().ok().map(|r| Msg::Do(Action::SetReplication(r)))) }
            if cfg.replication == Replication::LeaderSync {
                { choice(on, "sync-acks", "Synchronous writes wait for", &[
                    ("majority", "A majority of followers"), ("all", "Every follower")],
                    cfg.sync_acks.name(), |v| v.parse::<SyncAcks>().ok().map(|a| Msg::Do(Action::SetSyncAcks(a)))) }
            }
            if cfg.replication == Replication::Quorum {
                { quorum_inputs(on, cfg.write_quorum, cfg.read_quorum, w.replicas().len()) }
                { choice(on, "clock", "Stamps for last write wins", &[
                    ("wall", "Wall clocks (skew and all)"), ("lamport", "Lamport clocks")],
                    cfg.clock.name(), |v| v.parse::<ClockKind>().ok().map(|c| Msg::Do(Action::SetClock(c)))) }
            } else {
            { choice(on, "read-from", "Reads go to", &[("leader", "The leader"), ("any", "Any replica")],
                cfg.read_from.name(), |v| v.parse::<ReadFrom>().ok().map(|r| Msg::Do(Action::SetReadFrom(r)))) }
            }
            { choice(on, "consistency", "Under a partition", &[
                ("cp", "CP: refuse without a majority"), ("ap", "AP: accept on both sides")],
                cfg.consistency.name(), |v| v.parse::<Consistency>().ok().map(|c| Msg::Do(Action::SetConsistency(c)))) }
            { numeric_choice(on, "clock-skew", "Clock skew between replicas", &[0.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0],
                cfg.clock_skew_ms, |v| if v == 0.0 { "none".into() } else { format!("± {} ms", fixed(v, 0)) }, Action::SetClockSkew) }
            { numeric_choice(on, "rmw", "Requests that increment a counter", &[0.0, 0.1, 0.25, 0.5, 0.8, 1.0],
                cfg.rmw_ratio, |v| format!("{} %", fixed(v * 100.0, 0)), Action::SetRmwRatio) }
            { super::widgets::check_box(on, "Compare-and-set on increments", cfg.cas, Action::SetCas) }
            <div class="nodes">
                { for w.replicas().iter().enumerate().map(|(j, r)| {
                    let node = NodeId::Db(j);
                    let isolated = w.is_isolated(node);
                    html! { <>
                        { node_button(on, node, r.status) }
                        if isolated {
                            { button(on, format!("Reconnect {}", node.label()), "recover", move || Msg::Do(Action::Rejoin(node))) }
                        } else {
                            { button(on, format!("Isolate {}", node.label()), "", move || Msg::Do(Action::Isolate(node))) }
                        }
                    </> }
                }) }
            </div>
        </section>
    }
}

/// A `<select>` over a few sensible values (and the current one, if it is not among them): a list
/// cannot be mistyped, and a value keeps its place while the simulation re-renders the page.
fn numeric_choice(
    on: &Callback<Msg>,
    id: &'static str,
    label: &'static str,
    values: &[f64],
    current: f64,
    text: fn(f64) -> String,
    action: fn(f64) -> Action,
) -> Html {
    let mut values = values.to_vec();
    if !values.contains(&current) {
        values.push(current);
        crate::sim::sort::sort_by(&mut values, |a, b| a < b);
    }
    let onchange = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let v = super::field::parse_number(&select.value());
            if v.is_finite() {
                on.emit(Msg::Do(action(v)));
            }
        })
    };
    html! {
        <div class="group">
            <label for={id}>{ label }</label>
            <select {id} {onchange}>
                { for values.iter().map(|&v| html! {
                    <option value={crate::sim::decimal::trim(v)} selected={v == current}>{ text(v) }</option>
                }) }
            </select>
        </div>
    }
}

/// W and R as two selects over 1..=N, with what their sum means.
fn quorum_inputs(on: &Callback<Msg>, w: usize, r: usize, n: usize) -> Html {
    let pick = |id: &'static str,
                label: &'static str,
                current: usize,
                other: usize,
                is_write: bool| {
        let on = on.clone();
        let onchange = Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(v) = select.value().parse::<usize>() {
                let (write, read) = if is_write { (v, other) } else { (other, v) };
                on.emit(Msg::Do(Action::SetQuorum { write, read }));
            }
        });
        html! {
            <div class="half">
                <label for={id}>{ label }</label>
                <select {id} {onchange}>
                    { for (1..=n).map(|k| html! { <option value={k.to_string()} selected={k == current}>{ k }</option> }) }
                </select>
            </div>
        }
    };
    let verdict = if w + r > n {
        format!(
            "W + R = {} > N = {n}: every read meets the latest acknowledged write",
            w + r
        )
    } else {
        format!(
            "W + R = {} ≤ N = {n}: a read can miss the latest write",
            w + r
        )
    };
    html! {
        <div class="group quorum">
            { pick("write-quorum", "Write quorum W", w, r, true) }
            { pick("read-quorum", "Read quorum R", r, w, false) }
            <p class="hint">{ verdict }</p>
        </div>
    }
}

/// What went wrong in the data: the counters of the replication model.
pub fn anomalies(props: &View) -> Html {
    let w = props.world.borrow();
    let m = w.metrics();
    let db = w.database();
    let f = &db.figures;
    let pct = |ok: u64, failed: u64| {
        if ok + failed == 0 {
            "–".to_string()
        } else {
            fixed(100.0 * ok as f64 / (ok + failed) as f64, 1).to_string()
        }
    };
    let max_lag = (0..db.replicas.len())
        .map(|j| db.lag(j, w.now()))
        .max()
        .unwrap_or(0);
    let gauges = [
        (
            "max-lag",
            "Max lag",
            fixed(max_lag as f64 / 1e3, 0).to_string(),
            "ms",
            "age of the oldest write some follower lacks",
        ),
        (
            "divergent-keys",
            "Divergent",
            db.divergent_keys().to_string(),
            "keys",
            "keys on which live replicas disagree now",
        ),
        (
            "read-availability",
            "Reads OK",
            pct(m.reads_ok, m.reads_failed),
            "%",
            "share of reads that succeeded",
        ),
        (
            "write-availability",
            "Writes OK",
            pct(m.writes_ok, m.writes_failed),
            "%",
            "share of writes that succeeded",
        ),
        (
            "failovers",
            "Leaders elected",
            f.failovers.to_string(),
            "",
            "times a replica won an election and took over as leader; a replica's term counts every election begun, won or not, so terms can run ahead of this",
        ),
    ];
    let counters = [
        (
            "stale-reads",
            "Stale",
            m.stale_reads.to_string(),
            "",
            "reads that returned a value older than a write already acknowledged",
        ),
        (
            "dirty-reads",
            "Dirty",
            w.anomalies().dirty.to_string(),
            "",
            "reads that returned a write later rolled back",
        ),
        (
            "back-in-time",
            "Back in time",
            w.anomalies().back_in_time.to_string(),
            "",
            "reads older than what an earlier, finished read had returned",
        ),
        (
            "duplicate-writes",
            "Applied twice",
            f.duplicate_writes.to_string(),
            "writes",
            "retried writes carried out again after the first attempt had taken effect (leaderless)",
        ),
        (
            "lost-writes",
            "Lost acked",
            f.lost_acked_writes.to_string(),
            "writes",
            "acknowledged writes a failover threw away",
        ),
        (
            "conflicts",
            "Conflicts",
            f.conflicts.to_string(),
            "",
            "keys written on both sides of a split brain",
        ),
        (
            "skew-losses",
            "Skew losses",
            f.lost_by_clock_skew.to_string(),
            "",
            "last-write-wins kept an earlier write because a clock ran ahead",
        ),
        (
            "lost-updates",
            "Lost updates",
            w.lost_updates().to_string(),
            "",
            "acknowledged increments the counters do not show (racing read-modify-writes)",
        ),
        (
            "quorum-failures",
            "No quorum",
            f.quorum_failures.to_string(),
            "",
            "quorum operations refused for want of W or R answers",
        ),
    ];
    let tiles = |items: Vec<(
        &'static str,
        &'static str,
        String,
        &'static str,
        &'static str,
    )>| {
        items
            .into_iter()
            .map(|(metric, label, value, unit, hint)| Figure {
                metric,
                label,
                value: Some(value),
                unit,
                hint,
            })
    };
    // The anomaly counters are jargon until one moves: folded away, under a line that says
    // whether any has, and open on their own once one does. They only grow within a run, so the
    // group never flaps; the gauges of now (lag, divergence) stay in view above.
    let seen: Vec<&str> = counters
        .iter()
        .filter(|c| c.2 != "0")
        .map(|c| c.1)
        .collect();
    let summary = if seen.is_empty() {
        "Anomalies (whole run): none yet".to_string()
    } else {
        format!("Anomalies (whole run): {}", seen.join(", "))
    };
    html! { <>
        { figure_row(classes!("figures", "anomalies"), "Replication health", tiles(gauges.into())) }
        <details class="anomaly-group" open={!seen.is_empty()} data-seen={seen.len().to_string()}>
            <summary>{ summary }</summary>
            { figure_row(classes!("figures", "anomalies"), "Consistency anomalies", tiles(counters.into())) }
        </details>
        { linearizable(&w) }
    </> }
}

/// The live linearizability check's verdict on the run so far, in one line.
fn linearizable(w: &World) -> Html {
    let Some(v) = w.linearizability() else {
        return html! {};
    };
    let since = match w.linearizability_since() {
        0 => String::new(),
        t => format!(
            " since {} s (the replication mode changed then)",
            fixed(t as f64 / 1e6, 1)
        ),
    };
    let n = v.operations_checked;
    let (state, text) = if let Some(x) = &v.violation {
        (
            "no",
            format!("no — {}. The operations are in the event log", x.text),
        )
    } else if v.stopped {
        (
            "stopped",
            format!(
                "not known — the check stopped after {n} operations, with over {MAX_HELD} waiting for a request still in flight"
            ),
        )
    } else if v.cut_short {
        (
            "unsure",
            format!(
                "no violation in {n} operations, but some were too tangled to check in full, so this proves nothing"
            ),
        )
    } else if n == 0 {
        (
            "none",
            "nothing checked yet (reads and writes are checked once they end)".to_string(),
        )
    } else if v.pending == 0 {
        (
            "yes",
            format!("yes — all {n} operations fit one order in real time"),
        )
    } else {
        (
            "yes",
            format!(
                "no violation in the {n} operations checked; {} more wait for requests begun before them to end",
                v.pending
            ),
        )
    };
    let text = format!("Linearizable{since}: {text}.");
    html! {
        <p class="linearizable" data-linearizable={state} data-checked={n.to_string()}
           title="Every read and write the clients saw fits one order that keeps real time: each read returns the latest write before it. Checked key by key as the run goes, as Knossos and Porcupine check histories.">
            { text }
        </p>
    }
}
