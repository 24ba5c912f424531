//! The configuration a document is linted with: the nearest `composeguard.toml` /
//! `.composeguard.toml` from the document upward, as the CLI finds it. It is read again on
//! every lint (never cached), so an edit of the config file is picked up without restarting
//! the server: on the next change of the document, or at once when the client sends
//! `workspace/didChangeWatchedFiles` or `workspace/didChangeConfiguration` (every open
//! document is then linted again).

use std::path::Path;

use crate::config::{Config, ConfigError, find_config};
use crate::settings::Settings;

/// The configuration for the compose file at `path` (which may not exist on disk yet): the
/// defaults when no config file applies, an error when the one that applies is invalid.
pub fn current_config(path: &Path) -> Result<Config, ConfigError> {
    let config = match find_config(path) {
        Some(file) => Config::load(&file)?,
        None => Config::default(),
    };
    Ok(with_env_now(config))
}

/// "Today" for exceptions with an end, as `check` reads it without `--now`:
/// `COMPOSEGUARD_NOW`, else the clock.
fn with_env_now(mut config: Config) -> Config {
    match crate::exceptions::date::now_from_env() {
        Ok(Some(now)) => config.exceptions.now = now,
        Ok(None) => {}
        Err(why) => super::log(format!("{why} (using the clock)")),
    }
    config
}

/// The configuration for `path`, or the defaults (and the reason) when its config file is
/// invalid: a broken config file must not silence the linter.
pub fn config_or_default(path: &Path) -> (Config, Option<ConfigError>) {
    match current_config(path) {
        Ok(config) => (config, None),
        Err(e) => {
            super::log(format!(
                "{}: {} (using the default settings)",
                e.path.display(),
                e.message
            ));
            (with_env_now(Config::default()), Some(e))
        }
    }
}

/// The settings (bind address, public services and images) for the compose file at `path`.
pub fn current_settings(path: &Path) -> Settings {
    config_or_default(path).0.settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_file_is_read_again_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let compose = dir.path().join("compose.yaml");
        assert_eq!(current_settings(&compose).bind_address, "127.0.0.1");
        std::fs::write(
            dir.path().join("composeguard.toml"),
            "bind-address = \"::1\"\n",
        )
        .unwrap();
        assert_eq!(current_settings(&compose).bind_address, "::1");
        std::fs::write(dir.path().join("composeguard.toml"), "bind-adress = 1\n").unwrap();
        let (config, error) = config_or_default(&compose);
        assert_eq!(config.settings.bind_address, "127.0.0.1");
        assert!(error.is_some());
    }
}
