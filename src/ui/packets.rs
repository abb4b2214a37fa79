//! The packets in flight: a thousand glyphs that move every frame. Rebuilding and diffing them as
//! virtual DOM cost about 6 µs a glyph, most of a frame; this layer keeps a pool of `<circle>`
//! elements instead and, after each render, writes only the attributes that changed (for a moving
//! packet, its position). Each glyph still carries the contract's `data-packet` (and `data-from`,
//! `data-to`); styles come from attribute selectors.

use wasm_bindgen::JsCast;
use web_sys::{Element, SvgCircleElement, SvgLength};

use super::geometry::Layout;
use crate::sim::{NodeId, PacketKind, World};

/// Requests ride one lane of a link, responses the other, so the two directions read apart.
const LANE: f64 = 5.0;
/// At most this many packet glyphs are drawn; beyond it the view samples and says so.
pub const MAX_PACKETS: usize = 1_500;
const SVG: &str = "http://www.w3.org/2000/svg";

/// What one pooled glyph shows now, to skip writes that would change nothing.
struct Glyph {
    el: Element,
    /// The live `cx` and `cy` lengths: moving a glyph sets two numbers, with no string to build
    /// or parse (setting a `transform` string was most of the layer's time).
    cx: SvgLength,
    cy: SvgLength,
    kind: PacketKind,
    from: NodeId,
    to: NodeId,
    error: bool,
    retry: bool,
    /// Position in tenths of a unit, as written.
    at: (i32, i32),
}

#[derive(Default)]
pub struct PacketLayer {
    root: Option<Element>,
    glyphs: Vec<Glyph>,
}

/// Draw every `stride`-th message so at most [`MAX_PACKETS`] are drawn.
fn stride(w: &World) -> (usize, u64) {
    let total = w.messages().count();
    (total, total.div_ceil(MAX_PACKETS).max(1) as u64)
}

/// "Sampling…" when not every packet is drawn.
pub fn sampling_note(w: &World) -> Option<String> {
    let (total, stride) = stride(w);
    (stride > 1).then(|| format!("Sampling: 1 packet in {stride} drawn ({total} on the wire)"))
}

fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

fn flag(el: &Element, name: &str, on: bool) {
    if on {
        set(el, name, "");
    } else {
        let _ = el.remove_attribute(name);
    }
}

impl PacketLayer {
    /// Brings the glyphs in `root` up to date with `w` (none when `motion` is off).
    /// `px`: the diagram's width in pixels, which picks its layout.
    pub fn draw(&mut self, root: &Element, w: &World, motion: bool, px: u32) {
        if self.root.as_ref() != Some(root) {
            // A new container (first render, or Yew rebuilt the diagram): start a fresh pool.
            self.glyphs.clear();
            self.root = Some(root.clone());
        }
        let mut used = 0;
        if motion {
            let l: Layout = super::geometry::layout(w.servers().len(), w.replicas().len(), px);
            let now = w.now();
            let (_, stride) = stride(w);
            let doc = root.owner_document();
            for (h, m) in w.messages() {
                if used == MAX_PACKETS {
                    break;
                }
                if stride > 1 && h.id % stride != 0 {
                    continue;
                }
                let Some(route) = l.route(m.from, m.to) else {
                    continue;
                };
                let kind = m.kind();
                let lane = if kind == PacketKind::Response {
                    -LANE
                } else {
                    LANE
                };
                let p = route.at(m.progress(now), lane);
                let at = ((p.x * 10.0).round() as i32, (p.y * 10.0).round() as i32);
                let (error, retry) = (m.payload.is_error(), m.payload.attempt() > 1);
                if used == self.glyphs.len() {
                    let Some(el) = doc
                        .as_ref()
                        .and_then(|d| d.create_element_ns(Some(SVG), "circle").ok())
                    else {
                        break;
                    };
                    let Some(circle) = el.dyn_ref::<SvgCircleElement>() else {
                        break;
                    };
                    let (cx, cy) = (circle.cx().base_val(), circle.cy().base_val());
                    if root.append_child(&el).is_err() {
                        break;
                    }
                    self.glyphs.push(Glyph {
                        el,
                        cx,
                        cy,
                        kind,
                        from: m.from,
                        to: m.to,
                        error: !error,
                        retry: !retry,
                        at: (i32::MIN, i32::MIN),
                    });
                    let g = &mut self.glyphs[used];
                    write_kind(g, kind);
                    set(&g.el, "data-from", &m.from.to_string());
                    set(&g.el, "data-to", &m.to.to_string());
                }
                let g = &mut self.glyphs[used];
                if g.kind != kind {
                    write_kind(g, kind);
                }
                if g.from != m.from {
                    g.from = m.from;
                    set(&g.el, "data-from", &m.from.to_string());
                }
                if g.to != m.to {
                    g.to = m.to;
                    set(&g.el, "data-to", &m.to.to_string());
                }
                if g.error != error {
                    g.error = error;
                    flag(&g.el, "data-error", error);
                }
                if g.retry != retry {
                    g.retry = retry;
                    flag(&g.el, "data-retry", retry);
                }
                if g.at != at {
                    g.at = at;
                    let _ = g.cx.set_value(p.x as f32);
                    let _ = g.cy.set_value(p.y as f32);
                }
                used += 1;
            }
        }
        for g in self.glyphs.drain(used..) {
            g.el.remove();
        }
    }
}

fn write_kind(g: &mut Glyph, kind: PacketKind) {
    g.kind = kind;
    set(&g.el, "data-packet", kind.name());
    let r = match kind {
        PacketKind::Replication | PacketKind::Probe => "3.5",
        _ => "5.5",
    };
    set(&g.el, "r", r);
}
