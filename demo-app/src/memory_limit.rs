//! The address-space limit the app sets for itself (`memory_limit_mb`, the
//! resource.out-of-memory lesson): the soft `RLIMIT_AS` only, never raised, never the hard
//! limit, so an allocation sized by a client fails at once instead of eating the machine.
//! Core files are turned off with it: the lesson aborts the process on purpose, and a core
//! file of a server holds its secrets and its customers' data. Unix only (setrlimit);
//! elsewhere the setting is refused at start-up (settings/memory.rs).

use anyhow::Context as _;

/// Lowers the soft address-space limit to `limit_mb` MiB (or leaves a lower one alone) and
/// the soft core-file limit to 0.
#[cfg(unix)]
pub fn apply(limit_mb: u64) -> anyhow::Result<()> {
    let bytes = limit_mb.saturating_mul(1024 * 1024);
    let (soft, hard) = rlimit::Resource::AS
        .get()
        .context("Failed to read the address-space limit")?;
    rlimit::Resource::AS
        .set(bytes.min(soft), hard)
        .with_context(|| format!("Failed to lower the address-space limit to {limit_mb} MiB"))?;
    let (_, core_hard) = rlimit::Resource::CORE
        .get()
        .context("Failed to read the core-file limit")?;
    rlimit::Resource::CORE
        .set(0, core_hard)
        .context("Failed to turn core files off")?;
    tracing::info!(
        memory_limit_mb = limit_mb,
        "address-space limit lowered, core files off (memory_limit_mb)"
    );
    Ok(())
}

/// Settings refuse a non-zero limit on this platform; nothing to apply.
#[cfg(not(unix))]
pub fn apply(_limit_mb: u64) -> anyhow::Result<()> {
    anyhow::bail!("memory_limit_mb needs setrlimit, which only Unix has")
}
