//! Lowering this process's own open-files limit for the resource.file-handles lesson: the
//! soft limit only (never raised, never the hard limit), so the lesson reaches the limit
//! within a few dozen requests without touching the machine.

use anyhow::Context as _;

/// Sets the soft `RLIMIT_NOFILE` to `limit` (or leaves a lower one alone).
pub fn lower_limit_to(limit: u64) -> anyhow::Result<()> {
    let (soft, hard) = rlimit::Resource::NOFILE
        .get()
        .context("Failed to read the open-files limit")?;
    rlimit::Resource::NOFILE
        .set(limit.min(soft), hard)
        .with_context(|| format!("Failed to lower the open-files limit to {limit}"))
}

/// The descriptors this process holds now.
pub fn open_now() -> anyhow::Result<u64> {
    // /proc on Linux, /dev/fd elsewhere; the listing's own descriptor is not counted.
    let listing = std::fs::read_dir("/proc/self/fd")
        .or_else(|_| std::fs::read_dir("/dev/fd"))
        .context("Failed to list this process's open files")?;
    Ok((listing.count() as u64).saturating_sub(1))
}

/// Lowers the limit to the descriptors held now plus `headroom`, and says so in the log.
pub fn allow_headroom(headroom: u64) -> anyhow::Result<()> {
    let open = open_now()?;
    lower_limit_to(open + headroom)?;
    tracing::info!(
        open_at_start = open,
        headroom,
        limit = open + headroom,
        "open-files limit lowered (open_files_headroom)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_count_sees_files_opened_here() {
        let before = super::open_now().expect("countable");
        let files: Vec<std::fs::File> = (0..64)
            .map(|_| std::fs::File::open("/dev/null").expect("open"))
            .collect();
        let during = super::open_now().expect("countable");
        drop(files);
        // Tests in other threads open and close files too: most of the 64, not exactly.
        assert!(during >= before + 32, "{before} then {during}");
    }
}
