//! `declare_settings!`: how one declaration per setting becomes the three things that used
//! to be written apart, and drift apart: a field of `Settings`, a row of `KEYS` (what
//! `--help`, the config check, the dumps and the harness read), and the reading of its
//! value from the layers (`Layers::read_each`). Each entry is
//!
//! ```text
//! /// More about the field (optional).
//! name: Type {
//!     default: Some("text") or None,
//!     secret: true or false,
//!     read: a reader from `read.rs` (its hint and range),
//!     help: "what --help says",
//! }
//! ```
//!
//! Values are read in the order of the declarations; rules between settings (a budget that
//! depends on the worker count, what prod requires) run afterwards, in `Layers::resolve`.

macro_rules! declare_settings {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $type:ty {
            default: $default:expr,
            secret: $secret:expr,
            read: $read:expr,
            help: $help:literal $(,)?
        }
    )*) => {
        /// The values the app runs with, parsed and checked.
        #[derive(Debug, Clone, Serialize)]
        pub struct Settings {
            $(
                #[doc = $help]
                $(#[doc = $doc])*
                pub $name: $type,
            )*
            /// Where each value came from (not serialized into dumps).
            #[serde(skip)]
            pub sources: BTreeMap<&'static str, Source>,
            /// Problems tolerated at startup (dev's leniency, prod's disabled ops routes);
            /// logged once the logger is up.
            #[serde(skip)]
            pub warnings: Vec<String>,
        }

        /// The complete list of settings. `--help`, the config-file check and docs use it.
        pub const KEYS: &[Key] = &[$(
            Key {
                name: stringify!($name),
                help: $help,
                default: $default,
                secret: $secret,
            },
        )*];

        impl Layers {
            /// Every setting read from its text, in the order of the declarations, with no
            /// warning yet and before any rule between settings.
            pub(super) fn read_each(&self) -> Result<Settings, ConfigError> {
                Ok(Settings {
                    $($name: ($read)(self, stringify!($name))?,)*
                    sources: self.sources(),
                    warnings: Vec::new(),
                })
            }
        }
    };
}

pub(super) use declare_settings;
