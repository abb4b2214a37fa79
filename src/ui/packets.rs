//! The packets in flight: a thousand glyphs that move every frame. Rebuilding and diffing them as
//! virtual DOM cost about 6 µs a glyph, most of a frame; this layer keeps a pool of `<circle>`
//! elements instead and, after each render, writes only what changed. Each glyph carries the
//! contract's `data-packet` (and `data-from`, `data-to`); styles come from attribute selectors.
//!
//! Most messages live a frame or two, so half the packets on screen are new each frame; but how many
//! ride each link, and of what kind, barely changes. Each packet therefore takes a glyph that already
//! looks like it (same kind, link, error and retry), which then only moves: a glyph's attributes
//! are rewritten only where that mix changed. Handing out glyphs in message order instead rewrote
//! the looks of most glyphs every frame, and those writes (strings crossing into JavaScript) were
//! the page's largest cost.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::{Element, SvgCircleElement};

use super::geometry::{Layout, Point};
use crate::sim::sorted::SortedMap;
use crate::sim::{NodeId, PacketKind, World};

/// Requests ride one lane of a link, responses the other, so the two directions read apart.
const LANE: f64 = 5.0;
/// At most this many packet glyphs are drawn; beyond it the view samples and says so.
pub const MAX_PACKETS: usize = 1_500;
const SVG: &str = "http://www.w3.org/2000/svg";

// Moving a glyph sets its live `cx` and `cy` lengths: two numbers, no string to build or parse
// (setting a `transform` string cost twice as much). Called one by one from wasm, each set also
// paid for crossing into JavaScript, more than the set itself; these move them all in one call.
#[wasm_bindgen(
    inline_js = "export function place(l, xy) { for (let i = 0; i < xy.length; i++) { const v = xy[i]; if (v === v) l[i].value = v; } }
export function keep(l, kept) { let j = 0; for (let i = 0; i < kept.length; i++) if (kept[i]) { l[j++] = l[2 * i]; l[j++] = l[2 * i + 1]; } l.length = j; }"
)]
extern "C" {
    /// Sets `lengths[i]` to `xy[i]` where that is a number (NaN: leave it).
    fn place(lengths: &js_sys::Array, xy: &[f32]);
    /// Keeps the pairs of `lengths` whose glyph is `kept`, in order.
    fn keep(lengths: &js_sys::Array, kept: &[u8]);
}

/// What one pooled glyph shows now, to skip writes that would change nothing.
struct Glyph {
    el: Element,
    look: Look,
    /// Position in tenths of a unit, as written.
    at: (i32, i32),
}

/// What a glyph shows besides its position.
#[derive(Clone, Copy, PartialEq)]
struct Look {
    kind: PacketKind,
    from: NodeId,
    to: NodeId,
    error: bool,
    retry: bool,
}

impl Look {
    /// One number per look, to group glyphs by it (distinct: replicas number under 62, servers
    /// under 2^29).
    fn key(&self) -> u64 {
        let node = |n: NodeId| match n {
            NodeId::Client => 0,
            NodeId::Lb => 1,
            NodeId::Db(j) => 2 + j as u64,
            NodeId::Server(i) => 64 + i as u64,
        };
        (self.kind as u64) << 60
            | u64::from(self.error) << 59
            | u64::from(self.retry) << 58
            | node(self.from) << 29
            | node(self.to)
    }
}

#[derive(Default)]
pub struct PacketLayer {
    root: Option<Element>,
    glyphs: Vec<Glyph>,
    /// Each glyph's live `cx` and `cy`, in the order of `glyphs`.
    lengths: js_sys::Array,
    /// This frame's coordinates for `lengths` (NaN: unchanged).
    xy: Vec<f32>,
    /// This frame's packets: how each looks, where it is.
    want: Vec<(Look, Point)>,
    /// Last frame's glyphs by look, to hand out again.
    spare: SortedMap<Vec<usize>>,
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
            self.lengths.set_length(0);
            self.root = Some(root.clone());
        }
        self.want.clear();
        if motion {
            let l: Layout = super::geometry::layout(w.servers().len(), w.replicas().len(), px);
            let now = w.now();
            let (_, stride) = stride(w);
            for (h, m) in w.messages() {
                if self.want.len() == MAX_PACKETS {
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
                let look = Look {
                    kind,
                    from: m.from,
                    to: m.to,
                    error: m.payload.is_error(),
                    retry: m.payload.attempt() > 1,
                };
                self.want.push((look, route.at(m.progress(now), lane)));
            }
        }
        // Last frame's glyphs by look; each packet takes one that looks like it if any is left.
        // The lists are emptied, not dropped, so a steady mix allocates nothing (unless the looks
        // seen pile up, as fleets change).
        if self.spare.len() > 4 * MAX_PACKETS {
            self.spare.clear();
        }
        self.spare.values_mut().for_each(Vec::clear);
        for (i, g) in self.glyphs.iter().enumerate() {
            self.spare.get_or_insert(g.look.key(), Vec::new()).push(i);
        }
        self.xy.clear();
        self.xy.resize(2 * self.glyphs.len(), f32::NAN);
        let mut unmatched = Vec::new();
        for k in 0..self.want.len() {
            let (look, p) = self.want[k];
            match self.spare.get_mut(look.key()).and_then(Vec::pop) {
                Some(i) => self.move_to(i, p),
                None => unmatched.push(k),
            }
        }
        // The rest take the glyphs left over, which change their looks, or new ones.
        let mut free: Vec<usize> = self.spare.values().flatten().copied().collect();
        for k in unmatched {
            let (look, p) = self.want[k];
            let i = match free.pop() {
                Some(i) => i,
                None => match self.new_glyph(root, look) {
                    Some(i) => i,
                    None => break,
                },
            };
            restyle(&mut self.glyphs[i], look);
            self.move_to(i, p);
        }
        place(&self.lengths, &self.xy);
        // Glyphs nobody took leave.
        if !free.is_empty() {
            let mut kept = vec![1u8; self.glyphs.len()];
            for i in free {
                kept[i] = 0;
            }
            let mut i = 0;
            self.glyphs.retain(|g| {
                i += 1;
                if kept[i - 1] == 0 {
                    g.el.remove();
                }
                kept[i - 1] == 1
            });
            keep(&self.lengths, &kept);
        }
    }

    /// Moves glyph `i` to `p` (at the next `place`), unless it is there to a tenth of a unit.
    fn move_to(&mut self, i: usize, p: Point) {
        let g = &mut self.glyphs[i];
        let at = ((p.x * 10.0).round() as i32, (p.y * 10.0).round() as i32);
        if g.at != at {
            g.at = at;
            self.xy[2 * i] = p.x as f32;
            self.xy[2 * i + 1] = p.y as f32;
        }
    }

    /// A new glyph in `root` showing `look`; its index.
    fn new_glyph(&mut self, root: &Element, look: Look) -> Option<usize> {
        let doc = root.owner_document()?;
        let el = doc.create_element_ns(Some(SVG), "circle").ok()?;
        let circle = el.dyn_ref::<SvgCircleElement>()?;
        let (cx, cy) = (circle.cx().base_val(), circle.cy().base_val());
        root.append_child(&el).ok()?;
        self.lengths.push(&cx);
        self.lengths.push(&cy);
        self.xy.extend([f32::NAN; 2]);
        // Written in full once: `restyle` writes only differences.
        write_kind(&el, look.kind);
        set(&el, "data-from", &look.from.to_string());
        set(&el, "data-to", &look.to.to_string());
        if look.error {
            flag(&el, "data-error", true);
        }
        if look.retry {
            flag(&el, "data-retry", true);
        }
        self.glyphs.push(Glyph {
            el,
            look,
            at: (i32::MIN, i32::MIN),
        });
        Some(self.glyphs.len() - 1)
    }
}

/// Gives glyph `g` the look `look`, writing only what differs.
fn restyle(g: &mut Glyph, look: Look) {
    let old = std::mem::replace(&mut g.look, look);
    if old.kind != look.kind {
        write_kind(&g.el, look.kind);
    }
    if old.from != look.from {
        set(&g.el, "data-from", &look.from.to_string());
    }
    if old.to != look.to {
        set(&g.el, "data-to", &look.to.to_string());
    }
    if old.error != look.error {
        flag(&g.el, "data-error", look.error);
    }
    if old.retry != look.retry {
        flag(&g.el, "data-retry", look.retry);
    }
}

fn write_kind(el: &Element, kind: PacketKind) {
    set(el, "data-packet", kind.name());
    let r = match kind {
        PacketKind::Replication | PacketKind::Probe => "3.5",
        _ => "5.5",
    };
    set(el, "r", r);
}
