//! The system drawn as SVG: links, the nodes (`nodes.rs`), the packet layer's container and bursts
//! where requests failed. Nodes and links are clickable (and nodes focusable) to inspect them.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::balancer::balancer;
use super::geometry::{self, Detail, Layout, NodeBox};
use super::nodes::{client, fmt1, replica, server};
use super::pure::{Panel, pure};
use super::state::{Msg, Selection};
use super::view::View;
use crate::sim::decimal::fixed;
use crate::sim::world::BURST_LIFETIME;
use crate::sim::{NodeId, Replication, World};

/// Above this many servers, leaderless mode does not draw every server–replica link (they would
/// hide everything else); packets still travel them.
const MAX_MESH_SERVERS: usize = 8;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub view: View,
    pub on: Callback<Msg>,
    pub selected: Option<Selection>,
    /// Draw packets moving (off under `prefers-reduced-motion`).
    pub motion: bool,
    /// Where the packet layer draws.
    pub packets: NodeRef,
    /// The diagram's width in pixels (0 until measured), which picks its layout.
    pub px: u32,
}

pub fn diagram(props: &DiagramProps) -> Html {
    let w = props.view.world.borrow();
    let l = geometry::layout(w.servers().len(), w.replicas().len(), props.px);
    let view_box = format!("0 0 {} {}", fixed(l.width, 0), fixed(l.height, 0));
    let selected_node = match props.selected {
        Some(Selection::Node(n)) => Some(n),
        _ => None,
    };
    let on = &props.on;
    // Links change only with the topology, health, cuts and settings (each noted in the log) and
    // with the link selected.
    let note = if props.motion {
        super::packets::sampling_note(&w)
    } else {
        Some("Reduced motion: packets hidden, figures live".to_string())
    };
    // A fleet too large for figures in its boxes says so.
    let note = note.or_else(|| {
        (l.servers
            .first()
            .is_some_and(|b| b.detail() < Detail::Narrow))
        .then(|| "So many servers: boxes show less; click one for its figures".into())
    });
    html! {
        <svg class="diagram" viewBox={view_box} role="group"
             aria-label="Client, load balancer, servers and database replicas, with requests in flight">
            <g class="links">
                { pure(std::rc::Rc::new(Links {
                    view: View { world: props.view.world.clone(), frame: w.notes_written() },
                    on: on.clone(),
                    selected: props.selected,
                    px: props.px,
                })) }
            </g>
            // Filled by `packets::PacketLayer` after each render, outside Yew's diff.
            <g class="packets" ref={props.packets.clone()}></g>
            <g class="bursts">{ bursts(&w, &l, props.motion) }</g>
            // One pair of listeners for every node (a click or key bubbles up from the node's
            // group), rather than a pair of callbacks built for each node every frame.
            <g class="nodes" onclick={node_click(on)} onkeydown={node_key(on)}>
                { node(selected_node, NodeId::Client, l.client, client(&w, l.client)) }
                { node(selected_node, NodeId::Lb, l.lb, balancer(&w, l.lb)) }
                { for l.servers.iter().enumerate().map(|(i, b)| node(selected_node, NodeId::Server(i), *b, server(&w, i, *b))) }
                { for l.dbs.iter().enumerate().map(|(j, b)| node(selected_node, NodeId::Db(j), *b, replica(&w, j, *b))) }
            </g>
            if let Some(note) = note {
                <text class="sampling" x="8" y={fmt1(l.height - 8.0)}>{ note }</text>
            }
        </svg>
    }
}

/// A click, or Enter or Space while focused, selects `what`: every node and link can be reached by
/// keyboard.
fn activate(
    on: &Callback<Msg>,
    what: Selection,
) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let select = {
        let on = on.clone();
        move || on.emit(Msg::Select(Some(what)))
    };
    let onclick = {
        let select = select.clone();
        Callback::from(move |_: MouseEvent| select())
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            e.stop_propagation();
            select();
        }
    });
    (onclick, onkeydown)
}

/// The node whose focusable group holds what an event reached (the group itself, when focused),
/// by the `data-node` of the drawing in it.
fn node_of(e: &Event) -> Option<NodeId> {
    let target: web_sys::Element = e.target()?.dyn_into().ok()?;
    target
        .closest(".hit")
        .ok()??
        .query_selector("[data-node]")
        .ok()??
        .get_attribute("data-node")?
        .parse()
        .ok()
}

/// A click on a node selects it for the inspector.
fn node_click(on: &Callback<Msg>) -> Callback<MouseEvent> {
    let on = on.clone();
    Callback::from(move |e: MouseEvent| {
        if let Some(n) = node_of(&e) {
            on.emit(Msg::Select(Some(Selection::Node(n))));
        }
    })
}

/// Enter or Space on a focused node selects it: every node can be reached by keyboard.
fn node_key(on: &Callback<Msg>) -> Callback<KeyboardEvent> {
    let on = on.clone();
    Callback::from(move |e: KeyboardEvent| {
        if (e.key() == "Enter" || e.key() == " ")
            && let Some(n) = node_of(&e)
        {
            e.prevent_default();
            e.stop_propagation();
            on.emit(Msg::Select(Some(Selection::Node(n))));
        }
    })
}

/// Wraps a node's drawing in a focusable group that selects it for the inspector (through the
/// listeners on all the nodes' group).
fn node(selected: Option<NodeId>, id: NodeId, b: NodeBox, drawing: Html) -> Html {
    let ring = (selected == Some(id)).then(|| {
        html! {
            <rect class="selection" x={fmt1(b.left() - 5.0)} y={fmt1(b.top() - 5.0)}
                  width={fmt1(b.w + 10.0)} height={fmt1(b.h + 10.0)} rx="13" />
        }
    });
    html! {
        <g class="hit" tabindex="0" role="button" aria-label={format!("Inspect {}", id.label())}>
            { ring.unwrap_or_default() }
            { drawing }
        </g>
    }
}

/// The links drawn: every pair that exchanges messages in the current mode (replicas all talk to one
/// another: a candidate asks every replica for its vote), and every cut link, so that a link once
/// cut can always be found again and healed, whoever leads now.
fn link_pairs(w: &World) -> Vec<(NodeId, NodeId, bool)> {
    let quorum = w.config().replication == Replication::Quorum;
    let (n, m) = (w.servers().len(), w.replicas().len());
    let mut out = vec![(NodeId::Client, NodeId::Lb, false)];
    for i in 0..n {
        out.push((NodeId::Lb, NodeId::Server(i), false));
        if quorum {
            if n <= MAX_MESH_SERVERS {
                out.extend((0..m).map(|j| (NodeId::Server(i), NodeId::Db(j), true)));
            }
        } else {
            out.push((NodeId::Server(i), NodeId::Db(w.leader()), false));
        }
    }
    for j in 0..m {
        for k in j + 1..m {
            out.push((NodeId::Db(j), NodeId::Db(k), false));
        }
    }
    for (a, b) in w.network().cut_links() {
        if !out
            .iter()
            .any(|&(x, y, _)| (x, y) == (a, b) || (x, y) == (b, a))
        {
            out.push((a, b, false));
        }
    }
    out
}

/// The links: they change when the World notes a change (`frame` counts its notes: a cut, a heal,
/// an election that moves the leader) or the selection moves.
#[derive(PartialEq)]
struct Links {
    view: View,
    on: Callback<Msg>,
    selected: Option<Selection>,
    px: u32,
}

impl Panel for Links {
    fn render(&self) -> Html {
        let w = self.view.world.borrow();
        let l = geometry::layout(w.servers().len(), w.replicas().len(), self.px);
        links(&w, &l, &self.on, self.selected)
    }
}

fn links(w: &World, l: &Layout, on: &Callback<Msg>, selected: Option<Selection>) -> Html {
    let net = w.network();
    link_pairs(w)
        .into_iter()
        .filter_map(|(a, b, faint)| {
            let route = l.route(a, b)?;
            let d = route.d();
            let cut = net.is_cut(a, b);
            let custom = net.has_spec(a, b);
            let is_selected = matches!(selected, Some(Selection::Link(x, y)) if (x, y) == (a, b) || (y, x) == (a, b));
            let idle = matches!(b, NodeId::Server(i) if a == NodeId::Lb && !w.balancer().accepts(i));
            let class = classes!(
                "link",
                faint.then_some("faint"),
                matches!((a, b), (NodeId::Db(_), NodeId::Db(_))).then_some("replication"),
                idle.then_some("idle"),
                cut.then_some("cut"),
                custom.then_some("custom"),
                is_selected.then_some("chosen"),
            );
            let (onclick, onkeydown) = activate(on, Selection::Link(a, b));
            let mid = route.at(0.5, 0.0);
            let label = if cut {
                Some("✕".to_string())
            } else if custom {
                Some(format!("{} ms", fixed(net.spec(a, b).latency_ms, 0)))
            } else {
                None
            };
            Some(html! {
                <g class="link-group" data-link={format!("{a}~{b}")}>
                    <path class={class} d={d.clone()} />
                    <path class="link-hit" {d} {onclick} {onkeydown} tabindex="0" role="button"
                          aria-label={format!("Link {} ↔ {}", a.label(), b.label())}>
                        <title>{ format!("Link {} ↔ {} (click to change it)", a.label(), b.label()) }</title>
                    </path>
                    if let Some(text) = label {
                        <text class={classes!("link-label", cut.then_some("cut"))}
                              x={fmt1(mid.x.min(l.width - 24.0))} y={fmt1(mid.y - 4.0)}>{ text }</text>
                    }
                </g>
            })
        })
        .collect()
}

/// Where requests failed: an outline that spreads from the node's box and fades. Drawn beneath
/// the nodes, so it never covers their text.
fn bursts(w: &World, l: &Layout, motion: bool) -> Html {
    w.bursts()
        .filter_map(|b| {
            let nb = l.get(b.node)?;
            let age = (w.now() - b.at) as f64 / BURST_LIFETIME as f64;
            let pad = if motion { 3.0 + 14.0 * age } else { 6.0 };
            Some(html! {
                <rect class="burst" x={fmt1(nb.left() - pad)} y={fmt1(nb.top() - pad)}
                      width={fmt1(nb.w + 2.0 * pad)} height={fmt1(nb.h + 2.0 * pad)}
                      rx={fmt1(10.0 + pad)} opacity={fixed(1.0 - age, 2).to_string()} />
            })
        })
        .collect()
}
