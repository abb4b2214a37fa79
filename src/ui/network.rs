//! Network controls that need more than a knob: partitioning a group of nodes, and the editor of
//! one link (opened by clicking it in the diagram).

use yew::prelude::*;

use super::field::{DraftInput, number_field};
use super::state::{Msg, Selection};
use super::view::View;
use super::widgets::button;
use crate::sim::decimal::trim;
use crate::sim::knob::Knob;
use crate::sim::{Action, NodeId, World};

/// Parses a group as people name it, `Replica 1, Server 2` (or as links and the runner do,
/// `db-1 server-2`), against the nodes that exist now.
pub fn parse_group(text: &str, w: &World) -> Result<Vec<NodeId>, String> {
    // "Replica 1" is one name: a space between a word and its number becomes a dash.
    let b = text.as_bytes();
    let joined: String = text
        .char_indices()
        .map(|(i, c)| match c {
            ' ' if i > 0
                && b[i - 1].is_ascii_alphabetic()
                && b.get(i + 1).is_some_and(u8::is_ascii_digit) =>
            {
                '-'
            }
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let mut group = Vec::new();
    for name in joined
        .split([',', ' '])
        .filter(|s| !s.is_empty() && *s != "load")
    {
        let node: NodeId = name.parse()?;
        let exists = match node {
            NodeId::Client | NodeId::Lb => true,
            NodeId::Server(i) => i < w.servers().len(),
            NodeId::Db(j) => j < w.replicas().len(),
        };
        if !exists {
            return Err(format!("there is no {} now", node.label()));
        }
        if !group.contains(&node) {
            group.push(node);
        }
    }
    if group.is_empty() {
        return Err("name at least one node, e.g. Replica 1".into());
    }
    Ok(group)
}

/// Replicas `a` to `b` as people count them: "Replica 2" or "Replicas 2–3".
fn span(a: usize, b: usize) -> String {
    if a == b {
        format!("Replica {a}")
    } else {
        format!("Replicas {a}–{b}")
    }
}

/// "Cut off a group": node names typed (Enter applies them), plus two common splits.
pub fn partition_field(
    w: &World,
    world: &std::rc::Rc<std::cell::RefCell<World>>,
    on: &Callback<Msg>,
) -> Html {
    let commit = {
        let (on, world) = (on.clone(), world.clone());
        Callback::from(move |text: String| {
            let parsed = parse_group(&text, &world.borrow());
            match parsed {
                Ok(group) => {
                    on.emit(Msg::Do(Action::Partition(group)));
                    None
                }
                Err(e) => Some(format!("Partition: {e}")),
            }
        })
    };
    let n = w.replicas().len();
    let leader = w.leader();
    let minority: Vec<NodeId> = (0..n / 2).map(NodeId::Db).collect();
    html! {
        <div class="field">
            <label for="partition">{ "Cut off a group (node names, Enter applies)" }</label>
            <DraftInput id="partition" value="" placeholder="Replica 1, Server 2" {commit} />
            <div class="row">
                { button(on, "Isolate the leader".into(), "quiet", move || Msg::Do(Action::Partition(vec![NodeId::Db(leader)]))) }
                if !minority.is_empty() {
                    { button(on, format!("Split: {} | {}", span(1, n / 2), span(n / 2 + 1, n)), "quiet",
                             move || Msg::Do(Action::Partition(minority.clone()))) }
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LinkProps {
    pub view: View,
    pub on: Callback<Msg>,
    pub a: NodeId,
    pub b: NodeId,
}

/// The inspector of one link: its own latency and bandwidth, cut or heal it.
pub fn link_editor(props: &LinkProps) -> Html {
    let w = props.view.world.borrow();
    let (a, b, on) = (props.a, props.b, &props.on);
    let net = w.network();
    let spec = net.spec(a, b);
    let own = net.has_spec(a, b);
    let cut = net.is_cut(a, b);
    let send = |latency: f64, bandwidth: f64| {
        move || {
            Msg::Do(Action::SetLink {
                a,
                b,
                spec: Some((latency, bandwidth)),
            })
        }
    };
    let commit = |which: Knob| {
        let (on, other) = (on.clone(), spec);
        Callback::from(move |v: f64| {
            let current = match which {
                Knob::LatencyMs => other.latency_ms,
                _ => other.bandwidth_mbps,
            };
            let c = which.clamp(v, current);
            let (lat, bw) = match which {
                Knob::LatencyMs => (c.value, other.bandwidth_mbps),
                _ => (other.latency_ms, c.value),
            };
            on.emit(Msg::Do(Action::SetLink {
                a,
                b,
                spec: Some((lat, bw)),
            }));
            c.note
        })
    };
    let wan = send(crate::sim::network::WAN_LATENCY_MS, spec.bandwidth_mbps);
    html! {
        <div class="link-editor" data-link={format!("{a}~{b}")}>
            <h3>{ format!("Link {} ↔ {}", a.label(), b.label()) }</h3>
            <p class="hint">
                { if cut { "Cut: whatever crosses it is lost." } else if own { "Has its own settings." } else { "Uses the global network settings." } }
            </p>
            { number_field("link-latency", "Latency, this link".into(), "ms", spec.latency_ms,
                           0.0, 10_000.0, 1.0, commit(Knob::LatencyMs)) }
            { number_field("link-bandwidth", "Bandwidth, this link (0 = unlimited)".into(), "Mbit/s",
                           spec.bandwidth_mbps, 0.0, 100_000.0, 1.0, commit(Knob::BandwidthMbps)) }
            <div class="row">
                { button(on, format!("WAN link ({} ms)", trim(crate::sim::network::WAN_LATENCY_MS)), "quiet", wan) }
                if cut {
                    { button(on, "Heal link".into(), "recover", move || Msg::Do(Action::Heal(a, b))) }
                } else {
                    { button(on, "Cut link".into(), "fail", move || Msg::Do(Action::Cut(a, b))) }
                }
                if own {
                    { button(on, "Use global settings".into(), "quiet", move || Msg::Do(Action::SetLink { a, b, spec: None })) }
                }
                { button(on, "Close".into(), "quiet", || Msg::Select(None::<Selection>)) }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_group;
    use crate::sim::{Config, NodeId, World};

    #[test]
    fn a_group_is_named_as_people_name_nodes_or_by_id() {
        let w = World::new(Config::default()).unwrap();
        let want = vec![NodeId::Db(0), NodeId::Server(1), NodeId::Lb];
        for text in [
            "Replica 1, Server 2, Load balancer",
            "replica 1 server 2 balancer",
            "db-1, server-2, lb",
            "Replica 1,Server 2, lb, replica 1",
        ] {
            assert_eq!(parse_group(text, &w), Ok(want.clone()), "{text}");
        }
        assert!(
            parse_group("Replica 9", &w)
                .unwrap_err()
                .contains("no Replica 9")
        );
        assert!(
            parse_group("Printer 1", &w)
                .unwrap_err()
                .contains("Replica N")
        );
        assert!(parse_group(" , ", &w).is_err());
    }
}
