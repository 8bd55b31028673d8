//! The files the app serves from disk. The default cover ships inside the binary
//! (`include_bytes!`), so a build copied to another machine has it too; at start-up it is
//! unpacked into a media folder under the temp directory, because the cover route opens a
//! real file per request (that open is the resource.file-handles lesson).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The cover every book shows until its own is uploaded.
const DEFAULT_COVER: &[u8] = include_bytes!("../assets/cover.svg");

/// The media folder: shared by every app on the machine (the cover is the same). Its path
/// is fixed on purpose, not a `tempfile` folder of its own per process: the harness kills
/// the apps it starts, so a folder per app would be left behind by every run, while this
/// one is written once and found again.
fn folder() -> PathBuf {
    std::env::temp_dir().join("crash-course-media")
}

/// Writes the default cover into the media folder unless an identical one is there, and
/// returns its path. Many apps start at once in the harness: each writes a temp file of
/// its own and renames it into place, so no app ever reads a half-written cover (a temp
/// file that is not renamed is removed when it drops).
pub fn unpack_default_cover() -> anyhow::Result<PathBuf> {
    let folder = folder();
    let path = folder.join("cover.svg");
    if std::fs::read(&path).is_ok_and(|bytes| bytes == DEFAULT_COVER) {
        return Ok(path);
    }
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("Failed to create the media folder {}", folder.display()))?;
    partial_cover(&folder)
        .and_then(|mut partial| {
            partial.write_all(DEFAULT_COVER)?;
            partial.persist(&path).map_err(|e| e.error)
        })
        .with_context(|| format!("Failed to unpack the cover into {}", path.display()))?;
    Ok(path)
}

/// A new temp file in `folder` for the cover on its way in. It gets the permissions
/// `File::create` would give the cover (tempfile's default is owner-only), so the apps of
/// every user on the machine can read the one cover.
fn partial_cover(folder: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cover.svg.");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(folder)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_unpacked_cover_is_the_embedded_one() {
        let path = super::unpack_default_cover().expect("unpacked");
        assert_eq!(
            std::fs::read(&path).expect("readable"),
            super::DEFAULT_COVER
        );
        assert!(
            super::DEFAULT_COVER.starts_with(b"<svg") || super::DEFAULT_COVER.starts_with(b"<?xml")
        );
    }
}
