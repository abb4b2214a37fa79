//! The headless runner: `cargo run --release --bin clusterscope-sim -- --help`.
//! Same core as the page; see docs/DESIGN.md, "Contract: headless runner".

// The page's target (wasm32-unknown-unknown) has no command line and no runner: there the binary is
// empty. Native and WASI builds get the runner.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn main() {}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
mod cli {
    use std::io::Write;
    use std::process::ExitCode;
    use std::time::Instant;

    use clusterscope::runner::{self, Command};
    use clusterscope::sim::Strategy;
    use clusterscope::sim::Summary;
    use clusterscope::sim::linearizable;

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let plan = match runner::parse_args(&args) {
            Ok(Command::Help) => {
                print!("{}", runner::usage());
                return ExitCode::SUCCESS;
            }
            Ok(Command::Run(plan)) => plan,
            Err(message) => {
                eprintln!("clusterscope-sim: {message}");
                return ExitCode::from(2);
            }
        };
        if plan.bench {
            bench(
                plan.json,
                if args.iter().any(|a| a == "--requests") {
                    plan.requests
                } else {
                    1_000_000
                },
            );
            return ExitCode::SUCCESS;
        }
        if plan.compare {
            let rows = runner::compare(&plan);
            if plan.json {
                let items: Vec<String> = rows.iter().map(|s| s.to_json(0.0)).collect();
                println!("[{}]", items.join(","));
            } else {
                print!("{}", runner::comparison_table(&rows));
            }
            return ExitCode::SUCCESS;
        }
        let mut file = match plan.history.as_deref().map(std::fs::File::create) {
            None => None,
            Some(Ok(f)) => Some(std::io::BufWriter::new(f)),
            Some(Err(e)) => {
                eprintln!("clusterscope-sim: --history: cannot create the file: {e}");
                return ExitCode::from(2);
            }
        };
        let mut write_error = None;
        let start = Instant::now();
        let mut kept = Vec::new();
        let world = runner::execute_with_history(&plan, |ops| {
            if let Some(f) = file.as_mut() {
                for op in &ops {
                    if let Err(e) = writeln!(f, "{}", op.to_json()) {
                        write_error.get_or_insert(e);
                    }
                }
            }
            if plan.check {
                kept.extend(ops);
            }
        });
        let check = plan
            .check
            .then(|| linearizable::check(&kept, linearizable::DEFAULT_BUDGET));
        let wall_s = start.elapsed().as_secs_f64();
        if let Some(e) = write_error.or_else(|| file.and_then(|mut f| f.flush().err())) {
            eprintln!("clusterscope-sim: --history: writing failed: {e}");
            return ExitCode::FAILURE;
        }
        let summary = Summary::of(&world);
        if plan.json {
            let mut json = summary.to_json(wall_s);
            // The summary is one object: the check and the memory go in before its closing brace.
            json.pop();
            if let Some(c) = &check {
                json = format!("{json},\"check\":{}", c.to_json());
            }
            if let Some(mb) = peak_memory_mb() {
                json = format!("{json},\"peak_memory_mb\":{mb:.1}");
            }
            println!("{json}}}");
        } else {
            print!("{}", runner::human(&summary, wall_s));
            if let Some(c) = &check {
                println!("{}", runner::check_line(c));
            }
        }
        ExitCode::SUCCESS
    }

    /// The process's peak resident memory in MB, where the system tells it (Linux's VmHWM).
    fn peak_memory_mb() -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
        let kb: f64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb / 1024.0)
    }

    /// Simulated requests per wall-clock second for every strategy, on one core.
    fn bench(json: bool, requests: u64) {
        let target = if cfg!(target_arch = "wasm32") {
            "wasm32"
        } else {
            "native"
        };
        let mut rows = Vec::new();
        for strategy in Strategy::ALL {
            let plan = runner::bench_plan(strategy, requests);
            let start = Instant::now();
            let world = runner::execute(&plan);
            let wall = start.elapsed().as_secs_f64();
            let m = world.metrics();
            assert_eq!(
                m.issued,
                m.succeeded + m.failed_total(),
                "the benchmark run settles"
            );
            rows.push((
                strategy.name(),
                wall,
                requests as f64 / wall,
                world.events_handled() as f64 / wall,
            ));
        }
        if json {
            let items: Vec<String> = rows
                .iter()
                .map(|(s, wall, rps, eps)| {
                    format!("{{\"strategy\":\"{s}\",\"wall_s\":{wall:.4},\"requests_per_s\":{rps:.0},\"events_per_s\":{eps:.0}}}")
                })
                .collect();
            println!(
                "{{\"target\":\"{target}\",\"requests\":{requests},\"bench\":[{}]}}",
                items.join(",")
            );
        } else {
            println!("{target}: {requests} requests, 10 servers, full path with database");
            for (s, wall, rps, eps) in rows {
                println!(
                    "  {s:<22} {wall:>7.3} s  {:>6.2} M req/s  {:>6.1} M events/s",
                    rps / 1e6,
                    eps / 1e6
                );
            }
        }
    }
}
