//! Shareable runs: a config, its seed and the person's timed actions as one line of URL-fragment-safe
//! text (`v2;seed=42;servers=5;a=812.1500000.f.server-2`). Opening it replays exactly the same run:
//! each action records how many events the World had handled and the clock when it was applied,
//! and [`Scenario::replay_until`] applies it at that very point.
//!
//! Only settings that differ from the defaults are written. Format v1 was written against the
//! defaults before real units ([`Config::v1`]); it is still read, against those. Numbers are exact: whole numbers in
//! decimal, anything else as the hex of its bits (`x4059000000000000`), so decoding needs no float
//! parser and round-trips bit for bit. A garbled, truncated, oversized or other-version text is
//! refused with a message that names the problem.

use super::Strategy;
use super::config::{Config, Slot};
use super::event::{Action, MAX_ACTIONS, Recorded};
use super::knob::Knob;
use super::node::NodeId;
use super::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};
use super::shape::{TrafficKind, TrafficShape};
use super::time::Time;
use super::world::World;

/// The format this code writes.
pub const VERSION: &str = "v2";
/// The format before real units, still read: its settings differ from [`Config::v1`].
const V1: &str = "v1";
/// Longest text accepted (a link any browser keeps), and most actions kept.
pub const MAX_LEN: usize = 60_000;

impl Recorded {
    /// Applies the action to `w`, which has handled the same `events`: the clock stood at `at`
    /// when it was taken, so it moves there unless events at or before it are still waiting (then
    /// it already stood at the last one).
    pub fn apply_to(&self, w: &mut World) {
        w.step_until_within(self.at, 0);
        // Recorded again when the World records: a replayed run can be shared on.
        w.act(self.action.clone());
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub config: Config,
    pub actions: Vec<Recorded>,
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        format!("x{:016x}", v.to_bits())
    }
}

fn parse_num(s: &str) -> Option<f64> {
    if let Some(hex) = s.strip_prefix('x') {
        return (hex.len() == 16)
            .then(|| u64::from_str_radix(hex, 16).ok())
            .flatten()
            .map(f64::from_bits);
    }
    s.parse::<i64>().ok().map(|i| i as f64)
}

fn parse_int<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

impl Slot<'_> {
    /// The field as a link writes it (numbers exact: see the module's note).
    fn text(&self) -> String {
        match self {
            Slot::F64(v) => num(**v),
            Slot::U64(v) => v.to_string(),
            Slot::Usize(v) => v.to_string(),
            Slot::U32(v) => v.to_string(),
            Slot::Bool(v) => u8::from(**v).to_string(),
            Slot::Name(v) => v.text().into(),
            // A link keeps to letters, digits and -.,;=+_ : a shape's : and @ are spelled _ and -.
            Slot::Shape(v) => v.spell().replace(':', "_").replace('@', "-"),
        }
    }

    fn read(&mut self, s: &str) -> Option<()> {
        match self {
            Slot::F64(v) => **v = parse_num(s)?,
            Slot::U64(v) => **v = parse_int(s)?,
            Slot::Usize(v) => **v = parse_int(s)?,
            Slot::U32(v) => **v = parse_int(s)?,
            Slot::Bool(v) => {
                **v = match s {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                }
            }
            Slot::Name(v) => return v.set_text(s).then_some(()),
            Slot::Shape(v) => {
                **v = TrafficShape::parse(&s.replace('_', ":").replace('-', "@")).ok()?
            }
        }
        Some(())
    }
}

/// Text written as two hex digits a byte.
fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn nodes(ns: &[NodeId]) -> String {
    let names: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
    names.join("+")
}

fn action_text(a: &Action) -> String {
    match a {
        Action::Fail(n) => format!("f.{n}"),
        Action::Recover(n) => format!("r.{n}"),
        Action::Slow(n) => format!("s.{n}"),
        Action::SetStrategy(s) => format!("st.{s}"),
        Action::AddServer => "add".into(),
        Action::RemoveServer => "rm".into(),
        Action::SetPower { server, power } => format!("pw.{server}.{power}"),
        Action::Cut(a, b) => format!("cut.{a}.{b}"),
        Action::Heal(a, b) => format!("heal.{a}.{b}"),
        Action::Isolate(n) => format!("iso.{n}"),
        Action::Rejoin(n) => format!("rej.{n}"),
        Action::SetReplication(r) => format!("rep.{r}"),
        Action::SetSyncAcks(x) => format!("acks.{x}"),
        Action::SetReadFrom(x) => format!("rf.{x}"),
        Action::SetConsistency(x) => format!("cons.{x}"),
        Action::SetClockSkew(v) => format!("skew.{}", num(*v)),
        Action::SetQuorum { write, read } => format!("q.{write}.{read}"),
        Action::SetClock(c) => format!("clk.{c}"),
        Action::SetRmwRatio(v) => format!("rmw.{}", num(*v)),
        Action::SetCas(on) => format!("cas.{}", u8::from(*on)),
        Action::SetAuth(on) => format!("auth.{}", u8::from(*on)),
        Action::SetDeadlines(on) => format!("dl.{}", u8::from(*on)),
        Action::TrafficPreset(k) => format!("tp.{k}"),
        // Dots and commas separate an action's parts and the actions: the shape goes as hex.
        Action::SetTraffic(t) => {
            let hex: String = t.spell().bytes().map(|b| format!("{b:02x}")).collect();
            format!("tr.{hex}")
        }
        Action::Tune(k, v) => format!("t.{k}.{}", num(*v)),
        Action::SetLink { a, b, spec: None } => format!("link.{a}.{b}"),
        Action::SetLink {
            a,
            b,
            spec: Some((lat, bw)),
        } => format!("link.{a}.{b}.{}.{}", num(*lat), num(*bw)),
        Action::Partition(ns) => format!("part.{}", nodes(ns)),
        Action::HealAll => "healall".into(),
        Action::TraceNext => "trace".into(),
    }
}

fn parse_action(s: &str) -> Option<Action> {
    let p: Vec<&str> = s.split('.').collect();
    let node = |i: usize| p.get(i)?.parse::<NodeId>().ok();
    let f = |i: usize| parse_num(p.get(i)?);
    let arity = |n: usize| (p.len() == n).then_some(());
    let flag = || match (p.len(), p.get(1).copied()) {
        (2, Some("1")) => Some(true),
        (2, Some("0")) => Some(false),
        _ => None,
    };
    Some(match p[0] {
        "f" => arity(2).and(node(1)).map(Action::Fail)?,
        "r" => arity(2).and(node(1)).map(Action::Recover)?,
        "s" => arity(2).and(node(1)).map(Action::Slow)?,
        "st" => Action::SetStrategy(arity(2).and(p[1].parse::<Strategy>().ok())?),
        "add" => arity(1).map(|_| Action::AddServer)?,
        "rm" => arity(1).map(|_| Action::RemoveServer)?,
        "pw" => {
            arity(3)?;
            Action::SetPower {
                server: parse_int(p[1])?,
                power: parse_int(p[2])?,
            }
        }
        "cut" => Action::Cut(arity(3).and(node(1))?, node(2)?),
        "heal" => Action::Heal(arity(3).and(node(1))?, node(2)?),
        "iso" => arity(2).and(node(1)).map(Action::Isolate)?,
        "rej" => arity(2).and(node(1)).map(Action::Rejoin)?,
        "rep" => Action::SetReplication(arity(2).and(p[1].parse::<Replication>().ok())?),
        "acks" => Action::SetSyncAcks(arity(2).and(p[1].parse::<SyncAcks>().ok())?),
        "rf" => Action::SetReadFrom(arity(2).and(p[1].parse::<ReadFrom>().ok())?),
        "cons" => Action::SetConsistency(arity(2).and(p[1].parse::<Consistency>().ok())?),
        "skew" => Action::SetClockSkew(arity(2).and(f(1))?),
        "q" => {
            arity(3)?;
            Action::SetQuorum {
                write: parse_int(p[1])?,
                read: parse_int(p[2])?,
            }
        }
        "clk" => Action::SetClock(arity(2).and(p[1].parse::<ClockKind>().ok())?),
        "rmw" => Action::SetRmwRatio(arity(2).and(f(1))?),
        "cas" => Action::SetCas(flag()?),
        "auth" => Action::SetAuth(flag()?),
        "dl" => Action::SetDeadlines(flag()?),
        "tp" => Action::TrafficPreset(arity(2).and(p[1].parse::<TrafficKind>().ok())?),
        "tr" => Action::SetTraffic(TrafficShape::parse(&unhex(arity(2).map(|_| p[1])?)?).ok()?),
        "t" => Action::Tune(arity(3).and(p[1].parse::<Knob>().ok())?, f(2)?),
        "link" => match p.len() {
            3 => Action::SetLink {
                a: node(1)?,
                b: node(2)?,
                spec: None,
            },
            5 => Action::SetLink {
                a: node(1)?,
                b: node(2)?,
                spec: Some((f(3)?, f(4)?)),
            },
            _ => return None,
        },
        "part" => {
            arity(2)?;
            let ns: Option<Vec<NodeId>> = p[1]
                .split('+')
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().ok())
                .collect();
            Action::Partition(ns?)
        }
        "healall" => arity(1).map(|_| Action::HealAll)?,
        "trace" => arity(1).map(|_| Action::TraceNext)?,
        _ => return None,
    })
}

impl Scenario {
    /// The text of this scenario (no leading `#`).
    pub fn encode(&self) -> String {
        let (mut config, mut defaults) = (self.config.clone(), Config::default());
        let mut out = vec![VERSION.to_string()];
        for i in 0.. {
            let (Some((name, v)), Some((_, d))) = (config.slot(i), defaults.slot(i)) else {
                break;
            };
            let v = v.text();
            if v != d.text() {
                out.push(format!("{name}={v}"));
            }
        }
        if !self.actions.is_empty() {
            let items: Vec<String> = self
                .actions
                .iter()
                .map(|r| format!("{}.{}.{}", r.events, r.at, action_text(&r.action)))
                .collect();
            out.push(format!("a={}", items.join(",")));
        }
        let body = out.join(";");
        format!("{body};k={:08x}", checksum(&body))
    }

    /// Reads a scenario back (a leading `#` is ignored), or says what is wrong with the text.
    pub fn decode(text: &str) -> Result<Scenario, String> {
        let text = text.strip_prefix('#').unwrap_or(text).trim();
        if text.is_empty() {
            return Err("it holds no scenario".into());
        }
        if text.len() > MAX_LEN {
            return Err(format!(
                "it is too long ({} characters; at most {MAX_LEN})",
                text.len()
            ));
        }
        // The checksum comes last: a link cut short or altered anywhere fails it.
        let (body, sum) = split_checksum(text);
        if !body.starts_with('v') {
            return Err("it does not start with a format version".into());
        }
        let mut parts = body.split(';');
        let version = parts.next().unwrap_or_default();
        // Each format's settings are differences from its own defaults.
        let mut config = match version {
            VERSION => Config::default(),
            V1 => Config::v1(),
            v if v[1..].parse::<u32>().is_ok() => {
                return Err(format!(
                    "it is in format {v}, and this page reads {V1} and {VERSION}"
                ));
            }
            _ => return Err("it does not start with a format version".into()),
        };
        if sum != Some(checksum(body)) {
            return Err("it is damaged or cut short (its checksum does not match)".into());
        }
        let mut actions = Vec::new();
        for part in parts {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!("'{}' is not a setting (name=value)", clip(part)));
            };
            if key == "a" {
                for (k, item) in value.split(',').enumerate() {
                    if actions.len() == MAX_ACTIONS {
                        return Err(format!("it holds more than {MAX_ACTIONS} actions"));
                    }
                    let bad = || format!("action {} ('{}') cannot be read", k + 1, clip(item));
                    let mut it = item.splitn(3, '.');
                    let events = it.next().and_then(parse_int::<u64>).ok_or_else(bad)?;
                    let at = it.next().and_then(parse_int::<Time>).ok_or_else(bad)?;
                    let action = it.next().and_then(parse_action).ok_or_else(bad)?;
                    actions.push(Recorded { events, at, action });
                }
                continue;
            }
            let slot = (0..)
                .map_while(|i| config.slot(i).map(|(name, _)| (i, name)))
                .find(|(_, name)| *name == key);
            let Some((i, _)) = slot else {
                return Err(format!("unknown setting '{}'", clip(key)));
            };
            config
                .slot(i)
                .and_then(|(_, mut slot)| slot.read(value))
                .ok_or_else(|| format!("{}: '{}' is not a valid value", key, clip(value)))?;
        }
        config
            .validate()
            .map_err(|e| format!("{}: {}", e.field, e.message))?;
        if actions
            .windows(2)
            .any(|w| (w[1].events, w[1].at) < (w[0].events, w[0].at))
        {
            return Err("the actions are out of order".into());
        }
        Ok(Scenario { config, actions })
    }

    /// The run so far of `w` (which records its actions): where it started and what was done.
    pub fn of(w: &World) -> Scenario {
        Scenario {
            config: w.initial_config().clone(),
            actions: w.recorded().to_vec(),
        }
    }

    /// A fresh World for this scenario.
    pub fn world(&self) -> World {
        // `decode` validated the config; a scenario built in code may not have.
        World::new(self.config.clone())
            .or_else(|_| World::new(Config::default()))
            .unwrap_or_else(|_| unreachable!("the default config is valid"))
    }

    /// Advances `w` to time `t`, applying every recorded action due by then at the exact point
    /// it was applied in the original run (after the same number of events).
    pub fn replay_until(&self, w: &mut World, next: &mut usize, t: Time) {
        self.replay_within(w, next, t, u64::MAX);
    }

    /// Like [`Scenario::replay_until`], handling at most `budget` events (a frame's worth);
    /// returns whether it reached `t`. Stopped early, it goes on from the same point next time.
    pub fn replay_within(&self, w: &mut World, next: &mut usize, t: Time, budget: u64) -> bool {
        let start = w.events_handled();
        let left = |w: &World| budget.saturating_sub(w.events_handled() - start);
        while let Some(r) = self.actions.get(*next) {
            if r.at > t {
                break;
            }
            // Never past the action's time: a faithful link never asks for that, and a made-up
            // one must not send the clock racing ahead.
            while w.events_handled() < r.events && w.next_event_time().is_some_and(|n| n <= r.at) {
                if left(w) == 0 {
                    return false;
                }
                w.step();
            }
            r.apply_to(w);
            *next += 1;
        }
        w.step_until_within(t, left(w))
    }
}

/// FNV-1a over the text, folded to 32 bits.
/// A link's body and the checksum at its end (`;k=` and eight hex digits), as
/// `rsplit_once(";k=")` would split it. By hand: a string pattern would carry core's substring
/// search, about a kilobyte, into the page for this one use.
fn split_checksum(text: &str) -> (&str, Option<u32>) {
    let mark = b";k=";
    let tail = text.len().checked_sub(11).and_then(|i| {
        let (body, sum) = (text.get(..i)?, text.get(i + 3..)?);
        let last =
            text.as_bytes()[i..i + 3] == *mark && !sum.as_bytes().windows(3).any(|w| w == mark);
        last.then_some((body, sum))
    });
    match tail {
        Some((body, sum)) => (body, u32::from_str_radix(sum, 16).ok()),
        None => (text, None),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod split_tests {
    use proptest::prelude::*;

    proptest! {
        /// The hand-made split agrees with the standard library's on strings rich in the mark.
        #[test]
        fn splits_as_rsplit_once_would(
            (head, mark, tail) in ("[;k=0-9a-fz]{0,12}", any::<bool>(), "([;k=0-9a-fz]|;k=){0,9}")
        ) {
            let text = format!("{head}{}{tail}", if mark { ";k=" } else { "" });
            let std = match text.rsplit_once(";k=") {
                Some((body, sum)) if sum.len() == 8 => (body, u32::from_str_radix(sum, 16).ok()),
                _ => (text.as_str(), None),
            };
            prop_assert_eq!(super::split_checksum(&text), std);
        }
    }
}

fn checksum(text: &str) -> u32 {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    (h ^ (h >> 32)) as u32
}

fn clip(s: &str) -> String {
    s.chars().take(24).collect()
}
