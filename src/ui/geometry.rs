//! Pure layout maths for the diagram: where each node sits (the paths between nodes: `route`).

/// The diagram's coordinate space (the SVG viewBox).
pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 540.0;

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

    pub fn overlaps(&self, o: &NodeBox) -> bool {
        (self.c.x - o.c.x).abs() * 2.0 < self.w + o.w
            && (self.c.y - o.c.y).abs() * 2.0 < self.h + o.h
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub client: NodeBox,
    pub lb: NodeBox,
    pub servers: Vec<NodeBox>,
    pub dbs: Vec<NodeBox>,
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

pub fn layout(servers: usize, replicas: usize) -> Layout {
    let mid = (TOP + BOTTOM) / 2.0;
    let (dy, dh) = column(replicas, 84.0, 24.0);
    Layout {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_never_overlap_and_stay_inside() {
        for servers in 1..=64 {
            for replicas in 1..=9 {
                let l = layout(servers, replicas);
                assert_eq!((l.servers.len(), l.dbs.len()), (servers, replicas));
                let all: Vec<_> = [l.client, l.lb]
                    .into_iter()
                    .chain(l.servers)
                    .chain(l.dbs)
                    .collect();
                for (i, a) in all.iter().enumerate() {
                    assert!(a.left() >= 0.0 && a.left() + a.w <= WIDTH, "{a:?}");
                    assert!(a.top() >= 0.0 && a.top() + a.h <= HEIGHT, "{a:?}");
                    for b in &all[i + 1..] {
                        assert!(!a.overlaps(b), "{servers}/{replicas}: {a:?} overlaps {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn boxes_show_less_as_they_shrink_but_stay_readable() {
        assert_eq!(layout(3, 3).servers[0].detail(), Detail::Full);
        assert_eq!(layout(24, 3).servers[0].detail(), Detail::Compact);
        let tiny = layout(64, 9);
        assert_eq!(tiny.servers[63].detail(), Detail::Tiny);
        assert!(
            tiny.servers.iter().all(|b| b.h >= 18.0 && b.w >= 60.0),
            "room for a number"
        );
        assert!(tiny.dbs.iter().all(|b| b.detail() >= Detail::Compact));
        // Column-major: the second column starts after the first fills.
        let l = layout(16, 1);
        assert!(l.servers[7].c.x < l.servers[8].c.x && l.servers[8].c.y < l.servers[7].c.y);
    }
}
