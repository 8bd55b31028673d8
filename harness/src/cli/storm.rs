//! `harness storm`: retry policies side by side through the same short outage.

use std::path::PathBuf;

use super::error::{Error, Outcome, Verdict};
use super::shared;
use crate::report::{self, style::Style};
use crate::storm::{self, MIN_SECONDS, Options, Progress, policy::Policy};

#[derive(Debug, clap::Args)]
pub struct StormArgs {
    /// The clients' retry policies, comma-separated, or `all`; each runs in turn against a
    /// fresh app.
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = policies)]
    policy: Vec<Policies>,
    /// New orders per second, 1 to 500 (the offered load; retries come on top)
    /// [default: an eighth of the capacity measured first]
    #[arg(long = "orders-per-second", visible_alias = "clients", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    orders_per_second: Option<u32>,
    /// Seconds per policy, 9 to 120: 3 calm, 5 with a slow upstream, the rest to recover.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(MIN_SECONDS..=120))]
    seconds: u64,
    /// The same seed draws the same jitter.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StormFormat::Text)]
    format: StormFormat,
    /// Also write a self-contained HTML report with a plot per policy to FILE.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

/// One `--policy` value: a policy, or `all` of them.
#[derive(Debug, Clone)]
struct Policies(Vec<Policy>);

/// The policies' own names (`Policy`'s `ValueEnum`), plus `all`.
fn policies(value: &str) -> Result<Policies, String> {
    if value == "all" {
        return Ok(Policies(Policy::ALL.to_vec()));
    }
    <Policy as clap::ValueEnum>::from_str(value, false)
        .map(|policy| Policies(vec![policy]))
        .map_err(|_| {
            let names: Vec<&str> = Policy::ALL.iter().map(|p| p.name()).collect();
            format!(
                "no policy `{value}`; the policies: {}, all",
                names.join(", ")
            )
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StormFormat {
    Text,
    Json,
}

pub fn run(args: &StormArgs) -> Outcome {
    shared::check_report_path(args.report.as_deref())?;
    let mut policies: Vec<Policy> = args.policy.iter().flat_map(|p| p.0.clone()).collect();
    // In the table's order, each once, however the flag listed them.
    policies.sort();
    policies.dedup();
    let options = Options {
        policies,
        orders_per_second: args.orders_per_second,
        seconds: args.seconds,
        seed: args.seed,
    };
    let (app, runtime) = (shared::own_app_command()?, shared::runtime()?);
    let total = options.policies.len();
    let seconds = options.seconds;
    let done = std::cell::Cell::new(0);
    let progress = |step: Progress| match step {
        Progress::Calibrating => eprintln!("storm: measuring the healthy app's capacity"),
        Progress::Policy(policy, orders_per_second) => {
            done.set(done.get() + 1);
            eprintln!(
                "storm {}/{total}: {} ({}), {orders_per_second} new orders/s for {seconds} s",
                done.get(),
                policy.name(),
                policy.describe()
            );
        }
    };
    let storm = runtime
        .block_on(storm::run(&app, &options, progress))
        .map_err(|e| Error::runtime(format!("{e:#}")))?;
    match args.format {
        StormFormat::Text => out!("{}", report::storm::text(&storm, Style::detect())),
        StormFormat::Json => outln!("{}", report::storm::json(&storm)),
    }
    if let Some(path) = &args.report {
        shared::write_report(path, report::storm_html::render(&storm))?;
    }
    // A storm is a measurement: there is nothing to fail.
    Ok(Verdict::Passed)
}
