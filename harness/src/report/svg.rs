//! The SVG the HTML reports draw their per-second plots with.

/// Polyline points for `values` in a `width` x `height` box: one point in the middle of
/// each second, `peak` at the top (a `peak` of 0 draws along the bottom).
pub fn polyline(values: &[f64], peak: f64, width: f64, height: f64) -> String {
    let step = width / values.len().max(1) as f64;
    let peak = if peak > 0.0 { peak } else { 1.0 };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = step * (i as f64 + 0.5);
            let y = height - height * v / peak;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn points_sit_mid_second_with_the_peak_at_the_top() {
        assert_eq!(
            super::polyline(&[0.0, 10.0], 10.0, 640.0, 160.0),
            "160.0,160.0 480.0,0.0"
        );
        assert_eq!(super::polyline(&[0.0], 0.0, 900.0, 120.0), "450.0,120.0");
    }
}
