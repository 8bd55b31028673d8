//! The files the app serves from disk. The default cover ships inside the binary
//! (`include_bytes!`), so a build copied to another machine has it too; at start-up it is
//! unpacked into a media folder under the temp directory, because the cover route opens a
//! real file per request (that open is the resource.file-handles lesson).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

/// The cover every book shows until its own is uploaded.
const DEFAULT_COVER: &[u8] = include_bytes!("../assets/cover.svg");

/// The media folder: one per machine user, shared by every app (the cover is the same).
fn folder() -> PathBuf {
    std::env::temp_dir().join("crash-course-media")
}

/// Writes the default cover into the media folder unless an identical one is there, and
/// returns its path. Many apps start at once in the harness: each writes its own temp
/// name and renames it into place, so no app ever reads a half-written cover.
pub fn unpack_default_cover() -> anyhow::Result<PathBuf> {
    let folder = folder();
    let path = folder.join("cover.svg");
    if std::fs::read(&path).is_ok_and(|bytes| bytes == DEFAULT_COVER) {
        return Ok(path);
    }
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("Failed to create the media folder {}", folder.display()))?;
    let partial = folder.join(format!(".cover.svg.{}", std::process::id()));
    let written = std::fs::File::create(&partial)
        .and_then(|mut file| file.write_all(DEFAULT_COVER))
        .and_then(|()| std::fs::rename(&partial, &path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e)
            .with_context(|| format!("Failed to unpack the cover into {}", path.display()));
    }
    Ok(path)
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
