//! Pure layout maths for the diagram: where each node sits and the path a packet follows.

use crate::sim::decimal::{fixed, within};

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

/// The route a packet takes between two node centres: straight, or bowed out to the right (between
/// replicas in one column, so the line clears the replicas between them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Route {
    Line(Point, Point),
    Arc(Point, Point, Point),
}

impl Route {
    /// The route between two boxes, from port to port, so packets stay visible on the whole way.
    pub fn linking(a: &NodeBox, b: &NodeBox) -> Route {
        if (a.c.x - b.c.x).abs() >= 1.0 {
            return Route::between(a.port(b.c), b.port(a.c));
        }
        // One column (the replicas). Neighbours: a short line across the gap. Others: an arc out to
        // the right, bowed and leaving each box at a height by distance, so that no two links share
        // an end or a middle and each can be clicked along most of its length.
        let down = if b.c.y > a.c.y { 1.0 } else { -1.0 };
        let d = (b.c.y - a.c.y).abs();
        if d < 2.0 * a.h.max(b.h) {
            return Route::Line(
                Point {
                    x: a.c.x,
                    y: a.c.y + down * a.h / 2.0,
                },
                Point {
                    x: b.c.x,
                    y: b.c.y - down * b.h / 2.0,
                },
            );
        }
        let off = |h: f64| (4.0 + 0.05 * d).min(0.4 * h);
        let from = Point {
            x: a.left() + a.w,
            y: a.c.y + down * off(a.h),
        };
        let to = Point {
            x: b.left() + b.w,
            y: b.c.y - down * off(b.h),
        };
        // The curve reaches half its control point's offset: at most 68, inside the view.
        let bow = (24.0 + 0.3 * d).min(136.0);
        Route::Arc(
            from,
            Point {
                x: from.x + bow,
                y: (from.y + to.y) / 2.0,
            },
            to,
        )
    }

    pub fn between(a: Point, b: Point) -> Route {
        if (a.x - b.x).abs() < 1.0 {
            let bow = 30.0 + (a.y - b.y).abs() * 0.25;
            Route::Arc(
                a,
                Point {
                    x: a.x + bow,
                    y: (a.y + b.y) / 2.0,
                },
                b,
            )
        } else {
            Route::Line(a, b)
        }
    }

    /// The point a share `t` (0..=1) of the way along, shifted sideways by `lane` (so requests and
    /// responses on one link travel in separate lanes).
    pub fn at(&self, t: f64, lane: f64) -> Point {
        let t = within(t, 0.0, 1.0);
        let (p, (dx, dy)) = match *self {
            Route::Line(a, b) => (lerp(a, b, t), (b.x - a.x, b.y - a.y)),
            Route::Arc(a, c, b) => {
                let p = lerp(lerp(a, c, t), lerp(c, b, t), t);
                let d = (
                    2.0 * (1.0 - t) * (c.x - a.x) + 2.0 * t * (b.x - c.x),
                    2.0 * (1.0 - t) * (c.y - a.y) + 2.0 * t * (b.y - c.y),
                );
                (p, d)
            }
        };
        let len = (dx * dx + dy * dy).sqrt();
        if len < 1e-9 {
            return p;
        }
        Point {
            x: p.x - dy / len * lane,
            y: p.y + dx / len * lane,
        }
    }

    /// SVG path data.
    pub fn d(&self) -> String {
        let f = |v: f64| fixed(v, 1);
        match self {
            Route::Line(a, b) => format!("M{} {}L{} {}", f(a.x), f(a.y), f(b.x), f(b.y)),
            Route::Arc(a, c, b) => {
                format!(
                    "M{} {}Q{} {} {} {}",
                    f(a.x),
                    f(a.y),
                    f(c.x),
                    f(c.y),
                    f(b.x),
                    f(b.y)
                )
            }
        }
    }
}

fn lerp(a: Point, b: Point, t: f64) -> Point {
    Point {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
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

    fn close(p: Point, q: Point) -> bool {
        (p.x - q.x).abs() < 1e-9 && (p.y - q.y).abs() < 1e-9
    }

    #[test]
    fn links_leave_from_facing_sides() {
        let l = layout(3, 3);
        let r = Route::linking(&l.lb, &l.servers[0]);
        assert_eq!(
            r.at(0.0, 0.0),
            Point {
                x: l.lb.left() + l.lb.w,
                y: l.lb.c.y
            }
        );
        let end = r.at(1.0, 0.0);
        assert!(
            close(
                end,
                Point {
                    x: l.servers[0].left(),
                    y: l.servers[0].c.y
                }
            ),
            "{end:?}"
        );
        let back = Route::linking(&l.servers[0], &l.lb);
        assert!(close(back.at(1.0, 0.0), r.at(0.0, 0.0)));
        let arc = Route::linking(&l.dbs[0], &l.dbs[2]);
        assert!(matches!(arc, Route::Arc(..)));
        assert!(
            arc.at(0.5, 0.0).x > l.dbs[0].left() + l.dbs[0].w,
            "arcs clear the column"
        );
        assert!(arc.at(0.5, 0.0).x < WIDTH);
        let next = Route::linking(&l.dbs[0], &l.dbs[1]);
        assert!(
            matches!(next, Route::Line(..)),
            "neighbours: across the gap"
        );
        assert!(next.at(0.0, 0.0).y >= l.dbs[0].c.y + l.dbs[0].h / 2.0 - 1e-9);
    }

    /// Links between replicas can be clicked along their middle: no other link's hit stroke (14
    /// units wide) comes within reach there. (With every arc leaving the same point, a click on
    /// Replica 1–3 opened Replica 1–2, so the CAP lesson's second cut could not be made.)
    #[test]
    fn replica_links_keep_clear_of_each_other() {
        for n in 2..=crate::sim::config::MAX_REPLICAS {
            let l = layout(3, n);
            let routes: Vec<((usize, usize), Route)> = (0..n)
                .flat_map(|j| (j + 1..n).map(move |k| (j, k)))
                .map(|(j, k)| ((j, k), Route::linking(&l.dbs[j], &l.dbs[k])))
                .collect();
            let dist = |p: Point, r: &Route| {
                (0..=400)
                    .map(|i| {
                        let q = r.at(i as f64 / 400.0, 0.0);
                        ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt()
                    })
                    .fold(f64::MAX, f64::min)
            };
            for (id, r) in &routes {
                // Some stretch of at least a fifth of it is clear of every other link.
                let clear = (20..=80)
                    .filter(|i| {
                        let p = r.at(*i as f64 / 100.0, 0.0);
                        routes
                            .iter()
                            .filter(|(o, _)| o != id)
                            .all(|(_, o)| dist(p, o) > 14.0)
                    })
                    .count();
                // Three replicas (the default, and the CAP lesson's) leave every link clear along
                // most of its middle; four along a sixth. Five or more crowd the 70 units right of
                // the column: clicking there may pick a neighbour (issue 14's keyboard list of links
                // is the way to reach each).
                let need = match n {
                    ..=3 => 50,
                    4 => 10,
                    _ => 0,
                };
                assert!(
                    clear >= need,
                    "{n} replicas: link {id:?} clear at {clear} of 61 points"
                );
                for i in 0..=20 {
                    let p = r.at(i as f64 / 20.0, 0.0);
                    assert!(
                        p.x <= WIDTH && p.y >= 0.0 && p.y <= HEIGHT,
                        "{n}: {id:?} leaves the view"
                    );
                    // And it crosses no replica box.
                    for (j, b) in l.dbs.iter().enumerate() {
                        let inside = (p.x - b.c.x).abs() < b.w / 2.0 - 1.0
                            && (p.y - b.c.y).abs() < b.h / 2.0 - 1.0;
                        assert!(!inside, "{n}: {id:?} crosses replica {j}");
                    }
                }
            }
        }
    }

    #[test]
    fn routes_start_and_end_at_their_nodes() {
        let (a, b) = (Point { x: 10.0, y: 20.0 }, Point { x: 10.0, y: 220.0 });
        let c = Point { x: 300.0, y: 5.0 };
        for (r, end) in [(Route::between(a, b), b), (Route::between(a, c), c)] {
            assert_eq!(r.at(0.0, 0.0), a);
            assert!(close(r.at(1.0, 0.0), end));
            assert!(close(r.at(7.0, 0.0), end), "t is clamped");
        }
        let arc = Route::between(a, b);
        assert!(
            arc.at(0.5, 0.0).x > a.x + 30.0,
            "the arc bows out to the right"
        );
        let line = Route::between(Point { x: 0.0, y: 0.0 }, Point { x: 100.0, y: 0.0 });
        assert_eq!(
            line.at(0.5, 4.0),
            Point { x: 50.0, y: 4.0 },
            "lanes shift sideways"
        );
    }
}
