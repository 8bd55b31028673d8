//! Running an external converter program (the invoice's PDF, config.missing-dependency):
//! input on its stdin, the document from its stdout, bounded in time and size.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The longest a conversion may take before the program is killed.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// The largest document kept; a longer output is an error, not a truncated PDF.
const MOST_BYTES: u64 = 16 << 20;

/// Runs `program` (a path, or a name looked up in PATH) with `input` on its stdin.
pub async fn convert(program: &str, input: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    let mut child = tokio::process::Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("Failed to run the invoice converter {program}"))?;
    let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        anyhow::bail!("the converter {program} started without its pipes");
    };
    let work = async {
        // Written while stdout is read, so a converter that writes before it has read
        // everything cannot block on a full pipe.
        let feed = async {
            let written = stdin.write_all(&input).await;
            drop(stdin);
            written
        };
        let mut output = Vec::new();
        let mut errors = Vec::new();
        let mut stdout = stdout.take(MOST_BYTES + 1);
        let mut stderr = (&mut stderr).take(64 << 10);
        let read = stdout.read_to_end(&mut output);
        let read_errors = stderr.read_to_end(&mut errors);
        let (fed, read, _) = tokio::join!(feed, read, read_errors);
        read.with_context(|| format!("Failed to read the output of {program}"))?;
        // A converter may exit without reading everything (it failed): its status says so.
        let status = child.wait().await?;
        if !status.success() {
            anyhow::bail!(
                "the converter {program} failed ({status}): {}",
                String::from_utf8_lossy(&errors).trim()
            );
        }
        fed.with_context(|| format!("Failed to write to {program}"))?;
        anyhow::ensure!(
            output.len() as u64 <= MOST_BYTES,
            "the converter {program} wrote more than {MOST_BYTES} bytes"
        );
        Ok(output)
    };
    tokio::time::timeout(TIME_LIMIT, work)
        .await
        .with_context(|| format!("the converter {program} took longer than {TIME_LIMIT:?}"))?
}

#[cfg(test)]
mod tests {
    use super::convert;

    #[tokio::test]
    async fn a_converter_reads_stdin_and_its_stdout_is_the_document() {
        let out = convert("cat", b"invoice 1".to_vec())
            .await
            .expect("cat runs");
        assert_eq!(out, b"invoice 1");
    }

    #[tokio::test]
    async fn a_missing_program_names_its_path_and_the_os_error() {
        let error = convert("/nonexistent/invoice2pdf", b"x".to_vec())
            .await
            .expect_err("not installed");
        let text = format!("{error:#}");
        assert!(text.contains("/nonexistent/invoice2pdf"), "{text}");
        assert!(
            text.contains("No such file or directory (os error 2)"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_failing_converter_is_an_error_with_its_stderr() {
        let error = convert("false", Vec::new()).await.expect_err("exit 1");
        assert!(format!("{error:#}").contains("failed"), "{error:#}");
    }
}
