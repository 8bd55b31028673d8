//! `metrics` steps: the app's 5xx rate between two samples of its own /metrics.

use super::MetricsSample;

/// Reasons the sample's 5xx rate is not above each of `aboves` and below each of `belows`.
pub fn unmet_bounds(
    name: &str,
    sample: &MetricsSample,
    aboves: impl Iterator<Item = f64>,
    belows: impl Iterator<Item = f64>,
) -> Vec<String> {
    let rate = sample.error_rate;
    let percent = |fraction: f64| format!("{:.2}%", fraction * 100.0);
    let mut reasons: Vec<String> = aboves
        .filter(|above| rate <= *above)
        .map(|above| {
            format!(
                "{name}: 5xx rate {} is not above {}",
                percent(rate),
                percent(above)
            )
        })
        .collect();
    reasons.extend(belows.filter(|below| rate >= *below).map(|below| {
        format!(
            "{name}: 5xx rate {} is not below {}",
            percent(rate),
            percent(below)
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
    let (requests, errors) = request_counts(&text);
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

/// (all requests, 5xx answers) from `demo_app_http_requests_total`, leaving out the ops
/// and metrics routes, which are the observer, not the traffic.
pub fn request_counts(metrics: &str) -> (u64, u64) {
    let mut requests = 0;
    let mut errors = 0;
    for line in metrics.lines() {
        let Some(rest) = line.strip_prefix("demo_app_http_requests_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        if labels.contains("route=\"/ops") || labels.contains("route=\"/metrics\"") {
            continue;
        }
        let count: u64 = value.trim().parse().unwrap_or(0);
        requests += count;
        if labels.contains("status=\"5xx\"") {
            errors += count;
        }
    }
    (requests, errors)
}

#[cfg(test)]
mod tests {
    use super::request_counts;

    #[test]
    fn the_error_rate_counts_traffic_and_leaves_out_the_observers() {
        let metrics = "# HELP x\n\
            demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"2xx\"} 95\n\
            demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"5xx\"} 5\n\
            demo_app_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"2xx\"} 3\n\
            demo_app_http_requests_total{route=\"/ops/release\",method=\"POST\",status=\"2xx\"} 1\n\
            demo_app_panics_total 5\n";
        assert_eq!(request_counts(metrics), (100, 5));
    }
}
