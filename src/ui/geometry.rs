//! Pure layout maths for the diagram: where each node sits (the paths between nodes: `route`).
//!
//! Two shapes. Wide screens get the landscape (client → balancer → servers → replicas, left to
//! right) in a 1000-unit viewBox, drawn at 920 px or more so its smallest text (12 units) stays at
//! 11 px or above. Narrower ones get a portrait drawn one unit to a pixel, so text keeps its CSS
//! size: client and balancer side by side on top, then a row (or rows) of servers, then of replicas.

use crate::sim::NodeId;

/// The landscape's coordinate space (the SVG viewBox).
pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 540.0;
/// Diagrams narrower than this many pixels are drawn portrait, one unit to a pixel.
pub const PORTRAIT_BELOW: u32 = 920;
/// The narrowest portrait (the page never lays out narrower).
const PORTRAIT_MIN: f64 = 320.0;

const TOP: f64 = 40.0;
const BOTTOM: f64 = HEIGHT - 30.0;
const COL_CLIENT: f64 = 80.0;
const COL_LB: f64 = 265.0;
const COL_DB: f64 = 850.0;
/// The band the servers share: one column up to 8 servers, then up to 4 side by side.
const SERVERS_LEFT: f64 = 390.0;
const SERVERS_RIGHT: f64 = 740.0;
const ROWS_PER_COLUMN: usize = 8;
const MAX_COLUMNS: usize = 4;
pub const SERVER_MAX_W: f64 = 170.0;
pub const LB_SIZE: (f64, f64) = (160.0, 160.0);

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    /// Mirrored across the diagonal (x and y swapped): how portrait routing reuses landscape's.
    pub fn swapped(self) -> Point {
        Point {
            x: self.y,
            y: self.x,
        }
    }
}

/// An axis-aligned box centred on `c`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeBox {
    pub c: Point,
    pub w: f64,
    pub h: f64,
}

/// How much a box has room to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// A number and a status mark.
    Tiny,
    /// Title, status mark, queue bar.
    Compact,
    /// As compact, with two short lines of figures (portrait rows).
    Narrow,
    /// Title, two lines of figures, worker slots and queue bar.
    Full,
}

impl NodeBox {
    pub fn left(&self) -> f64 {
        self.c.x - self.w / 2.0
    }
    pub fn top(&self) -> f64 {
        self.c.y - self.h / 2.0
    }
    pub fn detail(&self) -> Detail {
        if self.h >= 56.0 && self.w >= 150.0 {
            Detail::Full
        } else if self.h >= 70.0 && self.w >= 96.0 {
            Detail::Narrow
        } else if self.h >= 30.0 && self.w >= 70.0 {
            Detail::Compact
        } else {
            Detail::Tiny
        }
    }
    /// Where a link towards `to` leaves this box: the middle of the side facing it, or of the right
    /// side when `to` is in the same column (links between replicas bow out to the right).
    pub fn port(&self, to: Point) -> Point {
        let x = if to.x < self.left() {
            self.left()
        } else {
            self.left() + self.w
        };
        Point { x, y: self.c.y }
    }

    pub fn swapped(&self) -> NodeBox {
        NodeBox {
            c: self.c.swapped(),
            w: self.h,
            h: self.w,
        }
    }

    pub fn overlaps(&self, o: &NodeBox) -> bool {
        (self.c.x - o.c.x).abs() * 2.0 < self.w + o.w
            && (self.c.y - o.c.y).abs() * 2.0 < self.h + o.h
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// The viewBox.
    pub width: f64,
    pub height: f64,
    /// Portrait: the flow runs down the page (links leave boxes from top and bottom).
    pub tall: bool,
    pub client: NodeBox,
    pub lb: NodeBox,
    pub servers: Vec<NodeBox>,
    pub dbs: Vec<NodeBox>,
}

impl Layout {
    pub fn get(&self, node: NodeId) -> Option<&NodeBox> {
        match node {
            NodeId::Client => Some(&self.client),
            NodeId::Lb => Some(&self.lb),
            NodeId::Server(i) => self.servers.get(i),
            NodeId::Db(j) => self.dbs.get(j),
        }
    }
}

/// Centres of `n` boxes spread evenly down a column, and the height each may take.
fn column(n: usize, max_h: f64, gap: f64) -> (Vec<f64>, f64) {
    let n = n.max(1);
    let slot = (BOTTOM - TOP) / n as f64;
    let gap = gap.min(slot * 0.25);
    let h = (slot - gap).min(max_h);
    ((0..n).map(|i| TOP + slot * (i as f64 + 0.5)).collect(), h)
}

/// Server boxes: filled top to bottom, then the next column to the right.
fn server_grid(n: usize) -> Vec<NodeBox> {
    let cols = n.div_ceil(ROWS_PER_COLUMN).clamp(1, MAX_COLUMNS);
    let rows = n.div_ceil(cols).max(1);
    let gap_x = 10.0;
    let col_w = (SERVERS_RIGHT - SERVERS_LEFT - gap_x * (cols - 1) as f64) / cols as f64;
    let w = col_w.min(SERVER_MAX_W);
    let (ys, h) = column(rows, 76.0, 12.0);
    let used = w * cols as f64 + gap_x * (cols - 1) as f64;
    let x0 = (SERVERS_LEFT + SERVERS_RIGHT - used) / 2.0 + w / 2.0;
    (0..n)
        .map(|i| NodeBox {
            c: Point {
                x: x0 + (i / rows) as f64 * (w + gap_x),
                y: ys[i % rows],
            },
            w,
            h,
        })
        .collect()
}

/// The layout for a diagram `px` pixels wide (0 while unmeasured: landscape).
pub fn layout(servers: usize, replicas: usize, px: u32) -> Layout {
    if px > 0 && px < PORTRAIT_BELOW {
        return portrait(servers, replicas, (px as f64).max(PORTRAIT_MIN));
    }
    let mid = (TOP + BOTTOM) / 2.0;
    let (dy, dh) = column(replicas, 84.0, 24.0);
    Layout {
        width: WIDTH,
        height: HEIGHT,
        tall: false,
        client: NodeBox {
            c: Point {
                x: COL_CLIENT,
                y: mid,
            },
            w: 120.0,
            h: 76.0,
        },
        lb: NodeBox {
            c: Point { x: COL_LB, y: mid },
            w: LB_SIZE.0,
            h: LB_SIZE.1,
        },
        servers: server_grid(servers),
        dbs: dy
            .into_iter()
            .take(replicas)
            .map(|y| NodeBox {
                c: Point { x: COL_DB, y },
                w: 160.0,
                h: dh,
            })
            .collect(),
    }
}

/// Portrait margins and the gap between boxes in a row.
const EDGE: f64 = 6.0;
const GAP_X: f64 = 6.0;
/// Room between bands for the links that fan out between them.
const FAN: f64 = 48.0;

/// `n` boxes in rows across `width`, each row centred, starting at `top`: as few rows as fit at
/// `min_w` (and at most `most` to a row), evenly filled, each box at most `max_w`, rows `gap_y`
/// apart. Returns the boxes and the bottom edge.
fn rows(
    n: usize,
    width: f64,
    top: f64,
    (min_w, max_w, h): (f64, f64, f64),
    (most, gap_y): (usize, f64),
) -> (Vec<NodeBox>, f64) {
    let room = width - 2.0 * EDGE;
    let fit = (((room + GAP_X) / (min_w + GAP_X)) as usize).clamp(1, n.max(1).min(most));
    // Rows as even as they can be (four replicas make a square, not three and one).
    let per_row = n.max(1).div_ceil(n.max(1).div_ceil(fit));
    let w = ((room - GAP_X * (per_row - 1) as f64) / per_row as f64).min(max_w);
    let boxes = (0..n)
        .map(|i| {
            let (row, col) = (i / per_row, i % per_row);
            let in_row = per_row.min(n - row * per_row) as f64;
            let x0 = (width - in_row * w - (in_row - 1.0) * GAP_X) / 2.0;
            NodeBox {
                c: Point {
                    x: x0 + col as f64 * (w + GAP_X) + w / 2.0,
                    y: top + row as f64 * (h + gap_y) + h / 2.0,
                },
                w,
                h,
            }
        })
        .collect();
    let rows = n.div_ceil(per_row) as f64;
    (boxes, top + rows * h + (rows - 1.0) * gap_y)
}

fn portrait(servers: usize, replicas: usize, width: f64) -> Layout {
    let (cw, lbw) = ((width * 0.3).clamp(96.0, 150.0), (width * 0.6).min(260.0));
    // Shorter than the landscape's: the hash ring sits beside the text, not under it.
    let (lb_h, gap) = (118.0, (width - 2.0 * EDGE - cw - lbw).min(60.0));
    // Client and balancer side by side, centred as a pair.
    let x0 = (width - cw - gap - lbw) / 2.0;
    let mid = EDGE + lb_h / 2.0;
    let client = NodeBox {
        c: Point {
            x: x0 + cw / 2.0,
            y: mid,
        },
        w: cw,
        h: 76.0,
    };
    let lb = NodeBox {
        c: Point {
            x: x0 + cw + gap + lbw / 2.0,
            y: mid,
        },
        w: lbw,
        h: lb_h,
    };
    // Up to a dozen servers keep room for two lines of figures; more shrink to a title.
    let server_size = if servers <= 12 {
        (96.0, SERVER_MAX_W, 76.0)
    } else {
        (72.0, 120.0, 34.0)
    };
    let (servers, bottom) = rows(servers, width, EDGE + lb_h + FAN, server_size, (64, 8.0));
    // At most three replicas to a row: with more, the arcs bowing below a row cross one another
    // (four make a square, whose links all stay clickable). Rows keep a band between them for
    // those arcs.
    let (dbs, bottom) = rows(
        replicas,
        width,
        bottom + FAN,
        (100.0, 170.0, 76.0),
        (3, 64.0),
    );
    Layout {
        width,
        // Below the last row: the arcs between replicas of one row, and the sampling note.
        height: bottom + 70.0,
        tall: true,
        client,
        lb,
        servers,
        dbs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_never_overlap_and_stay_inside() {
        for px in [0, 1, 320, 360, 500, 614, 919, 920, 1400, u32::MAX] {
            for servers in 1..=64 {
                for replicas in 1..=9 {
                    stays_apart(layout(servers, replicas, px), servers, replicas);
                }
            }
        }
    }

    fn stays_apart(l: Layout, servers: usize, replicas: usize) {
        assert_eq!((l.servers.len(), l.dbs.len()), (servers, replicas));
        let (width, height) = (l.width, l.height);
        let all: Vec<_> = [l.client, l.lb]
            .into_iter()
            .chain(l.servers)
            .chain(l.dbs)
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert!(a.left() >= 0.0 && a.left() + a.w <= width, "{a:?}");
            assert!(a.top() >= 0.0 && a.top() + a.h <= height, "{a:?}");
            for b in &all[i + 1..] {
                assert!(!a.overlaps(b), "{servers}/{replicas}: {a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn boxes_show_less_as_they_shrink_but_stay_readable() {
        assert_eq!(layout(3, 3, 0).servers[0].detail(), Detail::Full);
        assert_eq!(layout(24, 3, 0).servers[0].detail(), Detail::Compact);
        let tiny = layout(64, 9, 0);
        assert_eq!(tiny.servers[63].detail(), Detail::Tiny);
        assert!(
            tiny.servers.iter().all(|b| b.h >= 18.0 && b.w >= 60.0),
            "room for a number"
        );
        assert!(tiny.dbs.iter().all(|b| b.detail() >= Detail::Compact));
        // Column-major: the second column starts after the first fills.
        let l = layout(16, 1, 0);
        assert!(l.servers[7].c.x < l.servers[8].c.x && l.servers[8].c.y < l.servers[7].c.y);
    }

    /// On a 390 px phone (a 360 px diagram) every fleet up to 8 servers and 5 replicas keeps its
    /// figures in view: boxes wide enough for short lines, and the page draws them 1:1.
    #[test]
    fn a_phone_keeps_figures_for_fleets_up_to_eight_and_five() {
        for servers in 1..=8 {
            for replicas in 1..=5 {
                let l = layout(servers, replicas, 360);
                assert!(l.tall && l.width == 360.0);
                for b in l.servers.iter().chain(&l.dbs).chain([&l.client]) {
                    assert!(b.detail() >= Detail::Narrow, "{servers}/{replicas}: {b:?}");
                }
                assert_eq!(l.lb.detail(), Detail::Full);
                // The flow runs down: balancer above the servers, servers above the replicas.
                assert!(l.servers.iter().all(|s| s.top() > l.lb.top() + l.lb.h));
                let lowest = l.servers.iter().map(|s| s.top() + s.h).fold(0.0, f64::max);
                assert!(l.dbs.iter().all(|d| d.top() > lowest));
            }
        }
        // At 614 px (a 1024 px window beside the controls) three servers get full boxes.
        assert_eq!(layout(3, 3, 614).servers[2].detail(), Detail::Full);
        assert!(!layout(3, 3, 920).tall && layout(3, 3, 919).tall);
    }
}
