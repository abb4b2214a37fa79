//! The headless runner as a black box: its flags, its exit codes, its JSON.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clusterscope-sim"))
        .args(args)
        .output()
        .expect("runner starts")
}

fn field(json: &str, key: &str) -> f64 {
    let at = json
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("no {key} in {json}"));
    let rest = &json[at + key.len() + 3..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("{key} is not a number in {json}"))
}

#[test]
fn bad_flags_exit_2_with_a_message_naming_the_flag_and_nothing_on_stdout() {
    for (args, flag) in [
        (&["--servers", "0"][..], "--servers"),
        (&["--strategy", "fastest"][..], "--strategy"),
        (&["--arrival-rate", "NaN"][..], "--arrival-rate"),
        (&["--fail", "server-7@3"][..], "--fail"),
        (&["--frobnicate"][..], "--frobnicate"),
        (&["--requests"][..], "--requests"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(flag), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    }
}

/// Every numeric flag, fed garbage and extremes: a clear refusal naming it, never a panic, a NaN
/// or a half-printed summary.
#[test]
fn every_numeric_flag_refuses_garbage_and_extremes() {
    let flags = [
        "--seed",
        "--servers",
        "--replicas",
        "--arrival-rate",
        "--service-ms",
        "--workers",
        "--queue-cap",
        "--latency-ms",
        "--jitter-ms",
        "--bandwidth-mbps",
        "--timeout-ms",
        "--retries",
        "--hc-interval-ms",
        "--write-ratio",
        "--keys",
        "--zipf",
        "--clock-skew-ms",
        "--heartbeat-ms",
        "--failover-ms",
        "--rmw-ratio",
        "--write-quorum",
        "--read-quorum",
        "--anti-entropy-ms",
        "--chaos-mtbf-s",
        "--chaos-mttr-s",
        "--requests",
        "--warmup-s",
    ];
    for flag in flags {
        for bad in ["NaN", "-1", "1e300", "abc", "", "inf"] {
            if flag == "--queue-cap" && bad == "inf" {
                continue; // an unbounded queue is a documented choice
            }
            let out = run(&[flag, bad, "--requests", "10"]);
            let err = String::from_utf8(out.stderr).unwrap();
            assert_eq!(out.status.code(), Some(2), "{flag} {bad:?}: {err}");
            assert!(out.stdout.is_empty(), "{flag} {bad:?} printed to stdout");
            assert!(err.contains(flag), "{flag} {bad:?}: {err}");
        }
    }
    // Chaos mode from the command line runs and settles like any other run.
    let out = run(&[
        "--chaos-mtbf-s",
        "5",
        "--chaos-mttr-s",
        "1",
        "--requests",
        "200",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(!json.contains("NaN"), "{json}");
    assert_eq!(field(&json, "in_flight"), 0.0);
}

#[test]
fn json_summary_accounts_for_every_request_and_is_reproducible() {
    let args = [
        "--json",
        "--requests",
        "3000",
        "--servers",
        "4",
        "--strategy",
        "least-connections",
        "--fail",
        "server-2@4",
        "--recover",
        "server-2@12",
        "--seed",
        "5",
    ];
    let a = String::from_utf8(run(&args).stdout).unwrap();
    let b = String::from_utf8(run(&args).stdout).unwrap();
    let without_wall = |s: &str| s[..s.find("\"wall_s\"").unwrap()].to_string();
    assert_eq!(without_wall(&a), without_wall(&b), "same flags, same run");
    assert_eq!(field(&a, "issued"), 3000.0);
    assert_eq!(field(&a, "in_flight"), 0.0, "the run drains");
    assert_eq!(field(&a, "succeeded") + field(&a, "failed"), 3000.0);
    assert!(field(&a, "p50") <= field(&a, "p95") && field(&a, "p95") <= field(&a, "p99"));
    assert!(field(&a, "p99") <= field(&a, "max"));
    assert_eq!(a.matches("\"id\":\"server-").count(), 4);
    assert!(
        field(&a, "simulated_s") > 12.0,
        "runs until the last action"
    );
}

#[test]
fn compare_runs_every_strategy_on_the_same_traffic() {
    let out = run(&["--compare", "--json", "--requests", "400", "--seed", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let runs: Vec<&str> = text
        .trim()
        .trim_start_matches('[')
        .split("{\"requests\"")
        .skip(1)
        .collect();
    let n = clusterscope::sim::Strategy::ALL.len();
    assert_eq!(runs.len(), n, "{text}");
    for (run, name) in runs
        .iter()
        .zip(["random", "round-robin", "weighted-round-robin"])
    {
        assert!(run.contains(&format!("\"strategy\":\"{name}\"")), "{run}");
    }
    // Same seed, same arrivals: every strategy sees exactly 400 requests.
    assert_eq!(text.matches("\"issued\":400,").count(), n);
}

#[test]
fn help_lists_every_contract_flag() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--seed",
        "--servers",
        "--strategy",
        "--arrival-rate",
        "--service-ms",
        "--service-dist",
        "--workers",
        "--queue-cap",
        "--latency-ms",
        "--no-db",
        "--requests",
        "--warmup-s",
        "--fail",
        "--recover",
        "--json",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }
}

/// A run shared from the page replays in the runner: its settings, seed and actions.
#[test]
fn a_shared_link_replays_headlessly() {
    use clusterscope::sim::Recorded;
    use clusterscope::sim::share::Scenario;
    use clusterscope::sim::{Action, Config, NodeId};
    let link = Scenario {
        config: Config {
            servers: 4,
            seed: 99,
            ..Config::default()
        },
        actions: vec![Recorded {
            events: 0,
            at: 0,
            action: Action::Fail(NodeId::Server(3)),
        }],
    }
    .encode();
    let run_once = || {
        let out = run(&["--share", &link, "--requests", "300", "--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = String::from_utf8(out.stdout).unwrap();
        // Wall time aside, two replays print the same summary.
        let at = json.find("\"wall_s\"").unwrap();
        (json.clone(), json[..at].to_string())
    };
    let (json, a) = run_once();
    let (_, b) = run_once();
    assert_eq!(a, b);
    assert!(
        json.contains("{\"id\":\"server-4\",\"served\":0,"),
        "server 4 was down all along: {json}"
    );
    assert!(json.contains("\"seed\":99"), "{json}");
    let out = run(&["--share", "v1;servers=4;k=00000000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--share") && err.contains("damaged"), "{err}");
}

#[test]
fn the_cache_and_the_edge_are_flags_and_their_figures_are_in_the_json() {
    let out = run(&[
        "--requests",
        "3000",
        "--arrival-rate",
        "50",
        "--service-ms",
        "5",
        "--keys",
        "20",
        "--cache-keys",
        "20",
        "--auth",
        "--bad-credentials",
        "0.1",
        "--read-only-share",
        "0.5",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(
        field(&json, "hits") > 0.0 && field(&json, "hit_ratio") > 0.0,
        "{json}"
    );
    let refused = field(&json, "rejected_unauthorized");
    assert!(
        (200.0..400.0).contains(&refused),
        "about 10 % of 3000: {json}"
    );
    assert!(field(&json, "rejected_forbidden") > 0.0);
    assert_eq!(
        field(&json, "forged_served") + field(&json, "read_only_writes"),
        0.0
    );
    assert_eq!(
        field(&json, "unauthorized"),
        refused,
        "failed_by_cause agrees"
    );
    for (flag, value) in [
        ("--cache-keys", "2000"),
        ("--bad-credentials", "1.5"),
        ("--cache-ttl-ms", "x"),
    ] {
        let out = run(&[flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8(out.stderr).unwrap().contains(flag));
    }
}

/// The model's largest fleet, with everything on (database, health checks, retries): it runs,
/// every request is accounted for, and the process stays under 200 MB where the system says.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn ten_thousand_servers_run_in_under_200_mb() {
    let out = run(&[
        "--servers",
        "10000",
        "--arrival-rate",
        "50000",
        "--requests",
        "200000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(json.matches("\"id\":\"server-").count(), 10_000);
    assert_eq!(field(&json, "issued"), 200_000.0);
    assert_eq!(
        field(&json, "succeeded") + field(&json, "failed"),
        200_000.0
    );
    if cfg!(target_os = "linux") {
        let mb = field(&json, "peak_memory_mb");
        println!("10,000 servers: peak {mb} MB");
        assert!(mb > 1.0 && mb < 200.0, "{mb} MB");
    }
}
