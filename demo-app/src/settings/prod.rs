//! The checks prod makes before it serves anything: what dev only discovers at request time
//! (the config.* lessons), one function per setting so that a fix can run its check in
//! every mode.

use super::{ConfigError, ENV_PREFIX, Layers, Source};

impl Layers {
    /// config.missing-env: the mail server for receipts is set, as an smtp(s):// URL.
    pub(super) fn check_smtp_url(&self, smtp_url: Option<&str>) -> Result<(), ConfigError> {
        match smtp_url {
            None | Some("") => {
                // The lab's default is a local mail catcher, so an empty value was set on
                // purpose somewhere: name that place.
                let origin = self
                    .get("smtp_url")
                    .map(|(_, source)| source.clone())
                    .unwrap_or(Source::Unset);
                return Err(ConfigError {
                    key: "smtp_url".into(),
                    problem: "is required in prod and is empty".into(),
                    origin,
                    hint: format!(
                        "Set {ENV_PREFIX}SMTP_URL (or `smtp_url` in the config file) to the mail \
                         server for receipts, e.g. smtp://mail.internal:587."
                    ),
                });
            }
            Some(url) => {
                let parsed = reqwest::Url::parse(url).ok();
                if !parsed
                    .is_some_and(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some())
                {
                    return Err(self.invalid(
                        "smtp_url",
                        format!("is `{url}`, not an smtp:// or smtps:// URL with a host"),
                        "Write it as smtp://HOST:PORT.",
                    ));
                }
            }
        }
        Ok(())
    }

    /// config.missing-file: the invoice template, when one is set, is a readable file
    /// (unset means the template built into the app).
    pub(super) fn check_invoice_template(
        &self,
        invoice_template: Option<&str>,
    ) -> Result<(), ConfigError> {
        if let Some(path) = invoice_template
            && !std::path::Path::new(path).is_file()
        {
            return Err(self.invalid(
                "invoice_template",
                format!("points at `{path}`, which is not a readable file"),
                "Point it at an invoice template file, or unset it to use the template built \
                 into the app.",
            ));
        }
        Ok(())
    }

    /// config.bad-value: the FX upstream's URL is a plain http:// URL with a host.
    pub(super) fn check_fx_api_url(&self, fx_api_url: &str) -> Result<(), ConfigError> {
        let parsed = reqwest::Url::parse(fx_api_url).ok();
        if parsed.as_ref().is_some_and(|u| u.scheme() == "https") {
            // The FX client is built without TLS (the lab's upstream is a loopback fake):
            // an https:// URL would start and then fail every conversion.
            return Err(self.invalid(
                "fx_api_url",
                format!("is `{fx_api_url}`, but this build talks plain HTTP only"),
                "Use the http:// address of the upstream (the lab's fake listens on loopback), \
                 or put a TLS-terminating proxy in front of it.",
            ));
        }
        if !parsed.is_some_and(|u| u.scheme() == "http" && u.host().is_some()) {
            return Err(self.invalid(
                "fx_api_url",
                format!("is `{fx_api_url}`, which is not an http:// URL"),
                "Write it as http://HOST:PORT, e.g. http://127.0.0.1:8099.",
            ));
        }
        Ok(())
    }
}
