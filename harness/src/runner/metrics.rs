//! `metrics` steps: the app's 5xx rate between two samples of its own /metrics.

use super::{MetricsSample, Unmet};

/// Reasons the sample's 5xx rate is not above each of `aboves` and below each of `belows`.
pub fn unmet_bounds(
    name: &str,
    sample: &MetricsSample,
    aboves: impl Iterator<Item = f64>,
    belows: impl Iterator<Item = f64>,
) -> Vec<Unmet> {
    let rate = sample.error_rate;
    let percent = |fraction: f64| format!("{:.2}%", fraction * 100.0);
    let mut reasons: Vec<Unmet> = aboves
        .filter(|above| rate <= *above)
        .map(|above| {
            Unmet::new(
                "error_rate_not_above",
                format!(
                    "{name}: 5xx rate {} is not above {}",
                    percent(rate),
                    percent(above)
                ),
            )
        })
        .collect();
    reasons.extend(belows.filter(|below| rate >= *below).map(|below| {
        Unmet::new(
            "error_rate_not_below",
            format!(
                "{name}: 5xx rate {} is not below {}",
                percent(rate),
                percent(below)
            ),
        )
    }));
    reasons
}

/// Reads /metrics and computes the 5xx rate since the previous sample.
pub async fn sample(
    client: &reqwest::Client,
    base_url: &str,
    name: &str,
    previous: &[MetricsSample],
) -> anyhow::Result<MetricsSample> {
    let text = client
        .get(format!("{base_url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let crate::app::RequestCounts {
        requests,
        server_errors: errors,
    } = crate::app::request_counts(&text);
    let (before_requests, before_errors) =
        previous.last().map_or((0, 0), |s| (s.requests, s.errors));
    let window_requests = requests.saturating_sub(before_requests);
    let window_errors = errors.saturating_sub(before_errors);
    let error_rate = if window_requests == 0 {
        0.0
    } else {
        window_errors as f64 / window_requests as f64
    };
    Ok(MetricsSample {
        step: name.to_string(),
        requests,
        errors,
        window_requests,
        window_errors,
        error_rate,
    })
}
