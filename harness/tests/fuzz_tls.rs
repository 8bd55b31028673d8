//! `harness fuzz --target https://...` against a small API of another stack: a local
//! HTTPS server with a self-signed certificate whose `/reports/{id}` answers 500 with a
//! Python traceback. The fuzzer must find it as a bucket with the traceback's finding
//! (exit 1) with --insecure, and refuse the certificate without it (exit 3).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const SPEC: &str = r#"{
  "openapi": "3.0.3",
  "info": {"title": "Flask inventory", "version": "1"},
  "paths": {
    "/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
    "/reports/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}}
  }
}"#;

const TRACEBACK: &str = "<!doctype html><title>500 Internal Server Error</title><pre>Traceback (most recent call last):\n  File \"/srv/inventory/app.py\", line 41, in report\n    return render(rows[0])\nIndexError: list index out of range\n</pre>";

/// Answers every connection on its own task: `/items/...` 200 JSON, `/reports/...` a
/// Python traceback, anything else 404 JSON.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let mut buffer = vec![0u8; 16 * 1024];
            let mut read = 0;
            loop {
                let Ok(n) = tls.read(&mut buffer[read..]).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                read += n;
                if let Some(end) = buffer[..read].windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let (status, content_type, body) = if path.starts_with("/reports/") {
                        (
                            "500 Internal Server Error",
                            "text/html",
                            TRACEBACK.to_string(),
                        )
                    } else if path.starts_with("/items/") {
                        ("200 OK", "application/json", "{\"id\":1}".to_string())
                    } else {
                        (
                            "404 Not Found",
                            "application/json",
                            "{\"error\":\"not found\"}".to_string(),
                        )
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                    return;
                }
                if read == buffer.len() {
                    return;
                }
            }
        });
    }
}

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

#[test]
fn fuzz_finds_a_python_traceback_behind_a_self_signed_certificate() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(certified.cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                certified.signing_key.serialize_der(),
            )),
        )
        .expect("server config");
    let listener = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    runtime.spawn(serve(listener, TlsAcceptor::from(Arc::new(config))));

    let dir = std::env::temp_dir().join(format!("fuzz-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spec: PathBuf = dir.join("openapi.json");
    std::fs::write(&spec, SPEC).expect("spec");
    let target = format!("https://{address}");
    let common = |cmd: &mut Command| {
        cmd.args(["fuzz", "--target", &target, "--spec"])
            .arg(&spec)
            .args([
                "--requests",
                "40",
                "--seconds",
                "30",
                "--seed",
                "3",
                "--format",
                "json",
                "--save",
            ])
            .arg(dir.join("saved"));
    };

    let mut trusting = harness();
    common(&mut trusting);
    let output = trusting.arg("--insecure").output().expect("harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let buckets = document["runs"][0]["buckets"].as_array().expect("buckets");
    let traceback = buckets
        .iter()
        .find(|b| b["route"] == "/reports/{id}" && b["status"] == 500)
        .unwrap_or_else(|| panic!("no 500 bucket on /reports/{{id}}: {stdout}"));
    assert!(
        traceback["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|r| r == "stacktrace.python")),
        "{traceback}"
    );
    assert!(
        traceback["repro"]
            .as_str()
            .is_some_and(|r| r.starts_with("curl -si -k ")),
        "{traceback}"
    );
    assert!(
        !buckets
            .iter()
            .any(|b| b["route"] == "/items/{id}" && b["status"] == 200),
        "a 200 JSON answer is not a bucket: {stdout}"
    );

    let mut careful = harness();
    common(&mut careful);
    let refused = careful.output().expect("harness runs");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("certificate") && stderr.contains("--insecure"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
