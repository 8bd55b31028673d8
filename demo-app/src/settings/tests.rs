use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn later_layers_override_earlier_ones() {
    let mut layers = Layers::with_defaults();
    layers
        .apply_env(env(&[("DEMO_APP_WORKERS", "3"), ("HOME", "/root")]))
        .expect("env applies");
    layers
        .set("workers", "4".into(), Source::Flag("--workers".into()))
        .expect("flag applies");
    let settings = layers.resolve().expect("valid");
    assert_eq!(settings.workers, 4);
    assert_eq!(settings.mode, Mode::Dev);
}

#[test]
fn prod_starts_on_the_defaults_with_the_ops_routes_disabled() {
    let mut layers = Layers::with_defaults();
    layers
        .set("mode", "prod".into(), Source::Flag("--mode".into()))
        .expect("known key");
    let settings = layers.resolve().expect("the defaults satisfy prod");
    assert_eq!(settings.ops_token, None);
    assert_eq!(settings.warnings.len(), 1);
    assert!(
        settings.warnings[0].contains("/ops routes are disabled")
            && settings.warnings[0].contains("DEMO_APP_OPS_TOKEN"),
        "{:?}",
        settings.warnings
    );
}

#[test]
fn an_empty_ops_token_counts_as_unset() {
    let mut layers = Layers::with_defaults();
    for (key, value) in [("mode", "prod"), ("ops_token", "  ")] {
        layers
            .set(key, value.into(), Source::Flag(format!("--set {key}")))
            .expect("known key");
    }
    assert_eq!(layers.resolve().expect("valid").ops_token, None);
}

#[test]
fn dev_starts_without_an_ops_token_but_warns() {
    let settings = Layers::with_defaults().resolve().expect("dev is lenient");
    assert_eq!(settings.ops_token.as_deref(), Some(DEV_OPS_TOKEN));
    assert_eq!(settings.warnings.len(), 1);
}

#[test]
fn bare_is_as_lenient_as_dev_where_prod_refuses_to_start() {
    let mut layers = Layers::with_defaults();
    for (key, value) in [
        ("mode", " BARE "),
        ("smtp_url", ""),
        ("invoice_template", "/nowhere/invoice.txt"),
        ("fx_api_url", "htp//fx.internal:80/"),
    ] {
        layers
            .set(key, value.into(), Source::Flag(format!("--set {key}")))
            .expect("known key");
    }
    let settings = layers.resolve().expect("bare adds no start-up checks");
    assert_eq!(settings.mode, Mode::Bare);
    assert_eq!(settings.ops_token.as_deref(), Some(DEV_OPS_TOKEN));
    assert!(settings.warnings[0].contains("bare uses the well-known"));
    layers
        .set("mode", "prod".into(), Source::Flag("--mode".into()))
        .expect("known key");
    assert_eq!(layers.resolve().expect_err("prod refuses").key, "smtp_url");
}

#[test]
fn an_unknown_mode_lists_the_three() {
    let mut layers = Layers::with_defaults();
    layers
        .set("mode", "staging".into(), Source::Flag("--mode".into()))
        .expect("known key");
    let error = layers.resolve().expect_err("not a mode");
    assert!(
        error
            .to_string()
            .contains("valid modes are `dev`, `prod` and `bare`"),
        "{error}"
    );
    assert_eq!(error.hint, MODE_HINT);
}

#[test]
fn a_typo_in_an_environment_variable_is_named_with_a_suggestion() {
    let err = Layers::with_defaults()
        .apply_env(env(&[("DEMO_APP_WORKRES", "3")]))
        .expect_err("unknown key");
    assert!(err.to_string().contains("Did you mean `workers`?"), "{err}");
    assert!(err.to_string().contains("DEMO_APP_WORKRES"), "{err}");
}

#[test]
fn a_malformed_number_names_the_setting_and_its_source() {
    let mut layers = Layers::with_defaults();
    layers
        .set("workers", "two".into(), Source::Flag("--workers".into()))
        .expect("known key");
    let err = layers.resolve().expect_err("not a number");
    let text = err.to_string();
    assert!(
        text.contains("`workers`") && text.contains("--workers"),
        "{text}"
    );
}

#[test]
fn an_open_files_limit_too_low_to_start_is_refused_not_a_panic() {
    let with = |limit: &str, workers: &str| {
        let mut layers = Layers::with_defaults();
        let flag = || Source::Flag("--set".into());
        layers
            .set("open_files_limit", limit.into(), flag())
            .expect("key");
        layers.set("workers", workers.into(), flag()).expect("key");
        layers.resolve()
    };
    let err = with("20", "2").expect_err("the runtime could not start");
    assert_eq!(err.key, "open_files_limit");
    assert!(err.to_string().contains("at least 40"), "{err}");
    assert!(with("40", "8").is_err(), "8 workers need 64");
    assert_eq!(with("64", "8").expect("enough").open_files_limit, 64);
    assert_eq!(with("0", "64").expect("left alone").open_files_limit, 0);
}

#[test]
fn redacted_settings_hide_every_secret() {
    let settings = Layers::with_defaults().resolve().expect("valid");
    let redacted = settings.redacted();
    assert_eq!(redacted["fx_api_key"], "<redacted>");
    assert_eq!(redacted["ops_token"], "<redacted>");
    assert_eq!(redacted["workers"], "2");
}

#[test]
fn the_dump_has_every_setting_by_its_key() {
    let settings = Layers::with_defaults().resolve().expect("valid");
    let fields = serde_json::to_value(&settings).expect("serializes");
    for key in KEYS {
        assert!(
            fields.get(key.name).is_some(),
            "`{}` is in KEYS but not a field of Settings",
            key.name
        );
    }
    let dump = settings.dump();
    assert_eq!(dump.len(), KEYS.len());
    assert_eq!(dump["workers"], "2");
    assert_eq!(dump["bind"], "127.0.0.1:8080");
    assert_eq!(dump["mode"], "dev");
    assert_eq!(dump["smtp_url"], "smtp://127.0.0.1:2525");
}

#[test]
fn open_files_headroom_takes_any_worker_count_but_not_a_limit_as_well() {
    let with = |pairs: &[(&str, &str)]| {
        let mut layers = Layers::with_defaults();
        for (key, value) in pairs {
            let flag = Source::Flag("--set".into());
            layers.set(key, (*value).into(), flag).expect("key");
        }
        layers.resolve()
    };
    let sized = with(&[("open_files_headroom", "40"), ("workers", "16")]).expect("valid");
    assert_eq!((sized.open_files_headroom, sized.open_files_limit), (40, 0));
    let both = with(&[("open_files_headroom", "40"), ("open_files_limit", "64")])
        .expect_err("one budget at a time");
    assert_eq!(both.key, "open_files_headroom");
    assert!(both.to_string().contains("Set one of them"), "{both}");
}

#[test]
fn an_unset_invoice_template_means_the_built_in_one_even_in_prod() {
    let settings = Layers::with_defaults().resolve().expect("valid");
    assert_eq!(settings.invoice_template, None);
    assert_eq!(settings.dump()["invoice_template"], "(unset)");
}

#[test]
fn memory_limit_mb_is_off_by_default_and_refuses_a_budget_the_workers_cannot_start_in() {
    let with = |pairs: &[(&str, &str)]| {
        let mut layers = Layers::with_defaults();
        for (key, value) in pairs {
            let flag = Source::Flag("--set".into());
            layers.set(key, (*value).into(), flag).expect("key");
        }
        layers.resolve()
    };
    assert_eq!(with(&[]).expect("valid").memory_limit_mb, 0);
    let sized = with(&[("memory_limit_mb", "4096"), ("workers", "16")]).expect("valid");
    assert_eq!(sized.memory_limit_mb, 4096);
    let low = with(&[("memory_limit_mb", "1500"), ("workers", "16")]).expect_err("below floor");
    assert_eq!(low.key, "memory_limit_mb");
    assert!(
        low.to_string().contains("2048 MiB that 16 workers"),
        "{low}"
    );
    let huge = with(&[("memory_limit_mb", "18446744073709551615")]).expect_err("too many");
    assert!(huge.to_string().contains("more MiB"), "{huge}");
    let text = with(&[("memory_limit_mb", "lots")]).expect_err("not a number");
    assert!(text.to_string().contains("e.g. 4096"), "{text}");
}

#[test]
fn an_ops_token_is_trimmed_like_every_other_value_so_the_dev_token_in_blanks_is_still_refused() {
    let with = |mode: &str, token: &str| {
        let mut layers = Layers::with_defaults();
        for (key, value) in [("mode", mode), ("ops_token", token)] {
            layers
                .set(key, value.into(), Source::Flag(format!("--set {key}")))
                .expect("known key");
        }
        layers.resolve()
    };
    let padded = format!(" {DEV_OPS_TOKEN} ");
    let refused = with("prod", &padded).expect_err("the dev token, padded");
    assert_eq!(refused.key, "ops_token");
    assert!(refused.to_string().contains("too weak"), "{refused}");
    let token = with("prod", " a-token-of-our-own-0123 \n").expect("a strong token");
    assert_eq!(token.ops_token.as_deref(), Some("a-token-of-our-own-0123"));
}
