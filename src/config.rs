//! `composeguard.toml` / `.composeguard.toml`: found from the linted file upward, or given
//! with `--config`. Unknown keys, wrong types and unknown rule ids are errors that point at
//! the line of the config file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::catalog::{Catalogue, Category};
use crate::compose::address::{TrustedNetworks, check_bind};
use crate::diagnostic::Severity;
use crate::rules::RuleMeta;
use crate::settings::Settings;

pub const CONFIG_NAMES: [&str; 2] = ["composeguard.toml", ".composeguard.toml"];

/// The config file as written.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "composeguard configuration")]
pub struct ConfigFile {
    /// Rules or categories to enable, replacing the default set (`"all"` for every rule).
    #[schemars(with = "Option<Vec<String>>")]
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules or categories to enable on top of the default set.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub extend_select: Vec<Spanned<String>>,
    /// Rules or categories to disable.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
    /// Severity per rule id.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Severity>")]
    pub severity: BTreeMap<Spanned<String>, Severity>,
    /// The lowest severity that makes `check` exit 1 (default: warning).
    pub fail_on: Option<Severity>,
    /// The address the fixer binds exposed ports to (default 127.0.0.1): loopback or in `trusted-networks`.
    #[schemars(with = "Option<String>")]
    pub bind_address: Option<Spanned<String>>,
    /// Networks (CIDR, `10.8.0.0/24`) whose hosts may reach a port; replaces the private ranges.
    #[schemars(with = "Option<Vec<String>>")]
    pub trusted_networks: Option<Spanned<Vec<Spanned<String>>>>,
    /// Globs of paths not to check when searching folders.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Globs of extra file names to check when searching folders (besides compose file names).
    #[serde(default)]
    pub include: Vec<String>,
    /// Rules to ignore in files matching a glob (relative to the config file's folder).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub per_file_ignores: BTreeMap<String, Vec<Spanned<String>>>,
    /// Services (by name) that are public on purpose.
    #[serde(default)]
    pub public_services: Vec<String>,
    /// Images (`nginx`, `myorg/gateway`) that are public on purpose.
    #[serde(default)]
    pub public_images: Vec<String>,
    /// Extra sensitive software.
    #[serde(default)]
    pub sensitive: SensitiveConfig,
    /// How inline suppressions are checked.
    #[serde(default)]
    pub suppressions: SuppressionConfig,
    /// Exceptions with an owner and an end: findings of a rule accepted in some files or
    /// services until a date (see `composeguard rule expired-exception`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<crate::exceptions::ExceptionEntry>,
    /// A baseline file (relative to the config file's folder): the findings it records are
    /// not reported (`composeguard check --write-baseline FILE` writes it; docs/baseline.md).
    #[schemars(with = "Option<String>")]
    pub baseline: Option<Spanned<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SensitiveConfig {
    /// Image patterns (catalogue syntax: `myorg/db`, `*/postgres`) with their category.
    #[serde(default)]
    pub images: Vec<SensitiveImage>,
    /// Container ports that mark a service with an unknown image as sensitive.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Products recognised by the same kinds of clue as the catalogue's entries (see
    /// `composeguard rule sensitive-port-exposed`).
    #[serde(default)]
    pub products: Vec<SensitiveProduct>,
}

/// A product of one's own, with the clues that identify it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SensitiveProduct {
    /// Display name, e.g. `Ledger DB`.
    pub name: String,
    #[serde(default = "default_category")]
    pub category: String,
    /// Image patterns (catalogue syntax): strong clues.
    #[serde(default)]
    pub images: Vec<String>,
    /// Well-known container ports: a weak clue on the reported port.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Name tokens in an image's last path component or a service name: weak.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Environment variable names its image reads (`PREFIX_*` for a prefix): weak.
    #[serde(default)]
    pub env: Vec<String>,
    /// Data directories in the container: strong.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// Programs that run its server: strong.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Words or phrases of a healthcheck that checks it: strong.
    #[serde(default)]
    pub healthchecks: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SensitiveImage {
    pub pattern: String,
    #[serde(default = "default_category")]
    pub category: String,
}

fn default_category() -> String {
    "database".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SuppressionConfig {
    /// Report a suppression comment that gives no reason.
    #[serde(default = "yes")]
    pub require_reason: bool,
    /// Report a suppression comment that suppresses nothing.
    #[serde(default = "yes")]
    pub report_unused: bool,
    /// How long before an exception's `until` the `expiring-exception` warning starts:
    /// days or weeks, `14d` (the default), `2w`; `0d` never warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub warn_before: Option<Spanned<String>>,
}

impl Default for SuppressionConfig {
    fn default() -> Self {
        SuppressionConfig {
            require_reason: true,
            report_unused: true,
            warn_before: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// A config problem, at a byte range of the config file when known.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl ConfigError {
    /// Renders with the config source shown (miette).
    pub fn render(&self, color: bool) -> String {
        use miette::{
            GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
        };
        let name = crate::limits::escape_controls(&self.path.to_string_lossy()).into_owned();
        let message = crate::limits::cut_to(&self.message, crate::limits::MAX_MESSAGE_CHARS);
        let mut message = crate::limits::escape_controls(&message).into_owned();
        let mut label = self.span.clone();
        if let Some(span) = &self.span {
            // miette panics on a label far into a long line (past column 65,535): such an
            // error is shown by its position, without its line.
            let index = crate::line_index::LineIndex::new(&self.text);
            let at = index.position(&self.text, span.start.min(self.text.len()));
            if index.line_text(&self.text, at.line).len() > MAX_SHOWN_LINE_BYTES {
                message = format!(
                    "{name}:{}:{}: {message} (its line is too long to show)",
                    at.line + 1,
                    at.char_col + 1
                );
                label = None;
            }
        } else if !self.path.as_os_str().is_empty() {
            // Without a label miette shows no file name: the message names it.
            message = format!("{name}: {message}");
        }
        let mut diagnostic = MietteDiagnostic::new(message).with_code("config");
        if let Some(span) = label {
            diagnostic = diagnostic.with_label(LabeledSpan::new_primary_with_span(None, span));
        }
        let source = NamedSource::new(name, self.text.to_string()).with_language("toml");
        let report = miette::Report::new(diagnostic).with_source_code(source);
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let mut out = String::new();
        let _ = GraphicalReportHandler::new_themed(theme).render_report(&mut out, report.as_ref());
        out
    }
}

/// The longest line of a config file shown with its error.
const MAX_SHOWN_LINE_BYTES: usize = 10_000;

/// The resolved configuration for a file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
    pub settings: Settings,
    pub fail_on: Severity,
    pub catalogue: Arc<Catalogue>,
    /// `[[exceptions]]`, `warn-before` and now: whether an exception holds.
    pub exceptions: crate::exceptions::Policy,
    exclude: GlobSet,
    include: GlobSet,
    per_file: Vec<(GlobSet, Vec<String>)>,
    /// The config file's text, for errors found after loading (a `--bind` it does not trust).
    text: Arc<str>,
    /// The baseline in use (the config's `baseline`, or `--baseline`/`--write-baseline`).
    pub baseline: Option<Arc<crate::baseline::Baseline>>,
}

impl Default for Config {
    fn default() -> Self {
        Config::resolve(None, ConfigFile::default(), Arc::from(""))
            .expect("the default config is valid")
    }
}

/// Command-line options that override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub bind_address: Option<String>,
    /// `--now` (or `COMPOSEGUARD_NOW`): the moment exceptions are judged at.
    pub now: Option<crate::exceptions::Moment>,
    /// `--baseline FILE` (or a recording baseline for `--write-baseline FILE`).
    pub baseline: Option<Arc<crate::baseline::Baseline>>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let fail = |message: String| ConfigError {
            path: path.to_path_buf(),
            text: Arc::from(""),
            span: None,
            message,
        };
        let bytes = std::fs::File::open(path)
            .and_then(|file| crate::limits::read_at_most(file, crate::limits::MAX_CONFIG_BYTES))
            .map_err(|e| fail(format!("cannot read the config file: {e}")))?
            .ok_or_else(|| {
                fail(format!(
                    "the config file is more than the {} byte limit",
                    crate::limits::MAX_CONFIG_BYTES
                ))
            })?;
        let text: Arc<str> = match String::from_utf8(bytes) {
            Ok(t) => Arc::from(t),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes());
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    text: Arc::from(text.as_ref()),
                    span: Some(at..at + 1),
                    message: "the config file is not UTF-8".to_string(),
                });
            }
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            text: text.clone(),
            span: e.span(),
            message: e.message().to_string(),
        })?;
        Config::resolve(Some(path.to_path_buf()), file, text)
    }

    fn resolve(
        path: Option<PathBuf>,
        file: ConfigFile,
        text: Arc<str>,
    ) -> Result<Config, ConfigError> {
        let error = |span: Option<Range<usize>>, message: String| ConfigError {
            path: path.clone().unwrap_or_default(),
            text: text.clone(),
            span,
            message,
        };
        let selectors = file
            .select
            .iter()
            .flatten()
            .chain(&file.extend_select)
            .chain(&file.ignore)
            .chain(file.severity.keys())
            .chain(file.per_file_ignores.values().flatten());
        for selector in selectors {
            if !is_known_selector(selector.get_ref()) {
                return Err(error(
                    Some(selector.span()),
                    format!(
                        "unknown rule or category {:?}",
                        crate::limits::cut(selector.get_ref())
                    ),
                ));
            }
        }
        let mut settings = Settings::default();
        if let Some(list) = &file.trusted_networks {
            let mut networks = Vec::new();
            for entry in list.get_ref() {
                let network = TrustedNetworks::parse_entry(entry.get_ref())
                    .map_err(|why| error(Some(entry.span()), format!("trusted-networks: {why}")))?;
                networks.push(network);
            }
            settings.trusted = TrustedNetworks::new(networks);
        }
        if let Some(bind) = &file.bind_address {
            let bare = check_bind(bind.get_ref(), &settings.trusted).map_err(|why| {
                error(
                    Some(bind.span()),
                    format!(
                        "bind-address {:?}: {why}",
                        crate::limits::cut(bind.get_ref())
                    ),
                )
            })?;
            settings.bind_address = bare.to_string();
        }
        settings.public_services = file.public_services.clone();
        settings.public_images = file.public_images.clone();
        let globs = |patterns: &[String]| -> Result<GlobSet, ConfigError> {
            let mut builder = GlobSetBuilder::new();
            for p in patterns {
                builder.add(Glob::new(p).map_err(|e| {
                    error(
                        None,
                        format!("invalid glob {:?}: {e}", crate::limits::cut(p)),
                    )
                })?);
            }
            builder.build().map_err(|e| {
                // globset's words ("error building NFA") do not say which list failed.
                error(
                    None,
                    format!("cannot build the {} globs: {e}", patterns.len()),
                )
            })
        };
        let exclude = globs(&file.exclude)?;
        let include = globs(&file.include)?;
        let mut per_file = Vec::new();
        for (pattern, rules) in &file.per_file_ignores {
            per_file.push((
                globs(std::slice::from_ref(pattern))?,
                rules.iter().map(|r| r.get_ref().clone()).collect(),
            ));
        }
        let exceptions = crate::exceptions::resolve(
            &file.exceptions,
            file.suppressions.warn_before.as_ref(),
            path.as_deref(),
            &text,
        )
        .map_err(|(span, message)| error(span, message))?;
        let sensitive = &file.sensitive;
        let catalogue = if sensitive.images.is_empty()
            && sensitive.ports.is_empty()
            && sensitive.products.is_empty()
        {
            Catalogue::shared_builtin()
        } else {
            let mut images = Vec::new();
            for image in &file.sensitive.images {
                let category: Category = image.category.parse().map_err(|_| {
                    error(
                        None,
                        format!(
                            "unknown category {:?} for image {:?}",
                            image.category, image.pattern
                        ),
                    )
                })?;
                images.push((image.pattern.clone(), category));
            }
            let mut products = Vec::new();
            for product in &sensitive.products {
                let category: Category = product.category.parse().map_err(|_| {
                    error(
                        None,
                        format!(
                            "unknown category {:?} for product {:?}",
                            product.category, product.name
                        ),
                    )
                })?;
                products.push(crate::catalog::Entry {
                    id: format!("user:{}", product.name.trim()),
                    name: product.name.trim().to_string(),
                    category,
                    ports: product.ports.clone(),
                    images: product.images.clone(),
                    user_defined: true,
                    clues: crate::catalog::EntryClues {
                        tokens: product.tokens.clone(),
                        env: product.env.clone(),
                        volumes: product.volumes.clone(),
                        commands: product.commands.clone(),
                        healthchecks: product.healthchecks.clone(),
                    },
                });
            }
            let extended = Catalogue::try_with_extra(&images, &sensitive.ports)
                .and_then(|c| c.try_with_products(products))
                .map_err(|e| error(None, format!("sensitive: {e}")))?;
            Arc::new(extended)
        };
        let baseline = match &file.baseline {
            Some(name) => {
                let folder = path
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new(""));
                let loaded = crate::baseline::Baseline::load(&folder.join(name.get_ref()))
                    .map_err(|why| error(Some(name.span()), format!("baseline: {why}")))?;
                Some(Arc::new(loaded))
            }
            None => None,
        };
        Ok(Config {
            baseline,
            path,
            fail_on: file.fail_on.unwrap_or(Severity::Warning),
            settings,
            catalogue,
            exceptions,
            exclude,
            include,
            per_file,
            file,
            text,
        })
    }

    /// Applies command-line overrides (already validated by the caller with [`is_known_selector`]).
    pub fn with_overrides(mut self, overrides: &Overrides) -> Config {
        if let Some(select) = &overrides.select {
            self.file.select = Some(
                select
                    .iter()
                    .map(|s| Spanned::new(0..0, s.clone()))
                    .collect(),
            );
        }
        self.file.extend_select.extend(
            overrides
                .extend_select
                .iter()
                .map(|s| Spanned::new(0..0, s.clone())),
        );
        self.file.ignore.extend(
            overrides
                .ignore
                .iter()
                .map(|s| Spanned::new(0..0, s.clone())),
        );
        if let Some(f) = overrides.fail_on {
            self.fail_on = f;
            self.file.fail_on = Some(f);
        }
        if let Some(now) = overrides.now {
            self.exceptions.now = now;
        }
        if let Some(baseline) = &overrides.baseline {
            self.baseline = Some(baseline.clone());
        }
        if let Some(bind) = &overrides.bind_address {
            self.settings.bind_address = bind
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
        }
        self
    }

    /// Refuses a `--bind` address outside this config's trusted networks (the command line
    /// refuses wildcard and invalid addresses before any config is read).
    pub fn check_bind_override(&self, bind: &str) -> Result<(), ConfigError> {
        let why = match check_bind(bind, &self.settings.trusted) {
            Ok(_) => return Ok(()),
            Err(why) => why,
        };
        // Point at the list that leaves the address out, when the config file has one.
        let span = self.file.trusted_networks.as_ref().map(Spanned::span);
        Err(ConfigError {
            path: self.path.clone().unwrap_or_default(),
            text: self.text.clone(),
            span,
            message: format!("--bind {bind}: {why}"),
        })
    }

    /// Whether a rule runs (for files not matched by a per-file ignore).
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        let matches = |s: &Spanned<String>| selector_matches(s.get_ref(), meta);
        let selected = match &self.file.select {
            Some(select) => select.iter().any(matches),
            None => meta.default_enabled,
        } || self.file.extend_select.iter().any(matches);
        selected && !self.file.ignore.iter().any(matches)
    }

    /// Whether a rule is ignored for one file by `per-file-ignores`.
    pub fn is_ignored_for(&self, rule: &str, file: &Path) -> bool {
        if self.per_file.is_empty() {
            return false;
        }
        let relative = self.relative(file);
        let Some(meta) = crate::rules::find(rule).map(|r| r.meta) else {
            return false;
        };
        self.per_file.iter().any(|(set, rules)| {
            set.is_match(&relative) && rules.iter().any(|r| selector_matches(r, &meta))
        })
    }

    /// The rule's severity: the config's override, or the rule's default.
    pub fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severity_override(meta.id).unwrap_or(meta.severity)
    }

    /// The severity the config sets for a rule, if it sets one (a rule may otherwise give
    /// a finding its own severity, e.g. a read-only mount as a warning).
    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.file
            .severity
            .iter()
            .find(|(k, _)| k.get_ref() == rule)
            .map(|(_, v)| *v)
    }

    /// The `exclude` globs match this path (relative to the config's folder, or as given).
    pub fn is_excluded(&self, path: &Path) -> bool {
        !self.exclude.is_empty()
            && (self.exclude.is_match(path) || self.exclude.is_match(self.relative(path)))
    }

    /// The `include` globs match this file (an extra name to check when searching folders).
    pub fn is_included(&self, path: &Path) -> bool {
        !self.include.is_empty()
            && (self.include.is_match(path)
                || self.include.is_match(self.relative(path))
                || path.file_name().is_some_and(|n| self.include.is_match(n)))
    }

    /// A path relative to the config file's folder (as given when there is no config file).
    pub(crate) fn relative(&self, file: &Path) -> PathBuf {
        let file = file.strip_prefix("./").unwrap_or(file);
        let Some(dir) = self.path.as_ref().and_then(|p| p.parent()) else {
            return file.to_path_buf();
        };
        let absolute = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().unwrap_or_default().join(p)
            }
        };
        let (dir, file) = (absolute(dir), absolute(file));
        file.strip_prefix(&dir)
            .map(Path::to_path_buf)
            .unwrap_or(file)
    }

    /// The resolved configuration as a valid `composeguard.toml` (`composeguard config`):
    /// every key as the reader spells it, the rules that run as `select`, and where each
    /// value came from in a comment above it. Read back, it gives the same findings.
    pub fn to_toml(&self) -> String {
        let file_name = self
            .path
            .as_ref()
            .map(|p| crate::discover::normalise(p).display().to_string())
            .unwrap_or_default();
        // Where a value came from: the config file when it sets the key, else the default.
        let from = |set: bool| {
            if set {
                format!("# from {file_name}\n")
            } else {
                "# default\n".to_string()
            }
        };
        let names = |list: &[Spanned<String>]| -> String {
            list.iter()
                .map(|s| lit(s.get_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        out.push_str(
            "# composeguard's resolved configuration, as composeguard.toml reads it\n\
             # (`composeguard config > composeguard.toml` gives the same findings).\n",
        );
        match &self.path {
            Some(_) => out.push_str(&format!("# config file: {file_name}\n")),
            None => out.push_str("# config file: none (defaults)\n"),
        }

        let enabled: Vec<&str> = crate::rules::RULES
            .iter()
            .filter(|r| self.is_enabled(&r.meta))
            .map(|r| r.meta.id)
            .collect();
        let mut origin = match &self.file.select {
            Some(select) => format!("select = [{}] in {file_name}", names(select)),
            None => "the default set".to_string(),
        };
        if !self.file.extend_select.is_empty() {
            origin.push_str(&format!(
                ", plus extend-select = [{}]",
                names(&self.file.extend_select)
            ));
        }
        if !self.file.ignore.is_empty() {
            origin.push_str(&format!(", minus ignore = [{}]", names(&self.file.ignore)));
        }
        out.push_str(&format!(
            "\n# the rules that run: {origin}\nselect = {}\n",
            lit(&enabled)
        ));
        out.push_str(&from(self.file.fail_on.is_some()));
        out.push_str(&format!("fail-on = {}\n", lit(self.fail_on.as_str())));
        out.push_str(&from(self.file.bind_address.is_some()));
        out.push_str(&format!(
            "bind-address = {}\n",
            lit(&self.settings.bind_address)
        ));
        let trusted: Vec<String> = self
            .settings
            .trusted
            .networks()
            .iter()
            .map(ToString::to_string)
            .collect();
        if self.file.trusted_networks.is_some() {
            out.push_str(&from(true));
        } else {
            out.push_str("# default (the private and link-local ranges)\n");
        }
        out.push_str(&format!("trusted-networks = {}\n", lit(&trusted)));
        let relative = if self.path.is_some() {
            " (relative to its folder)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}exclude = {}\n",
            from(!self.file.exclude.is_empty()).replace('\n', &format!("{relative}\n")),
            lit(&self.file.exclude)
        ));
        out.push_str(&format!(
            "{}include = {}\n",
            from(!self.file.include.is_empty()),
            lit(&self.file.include)
        ));
        out.push_str(&format!(
            "{}public-services = {}\n",
            from(!self.settings.public_services.is_empty()),
            lit(&self.settings.public_services)
        ));
        out.push_str(&format!(
            "{}public-images = {}\n",
            from(!self.settings.public_images.is_empty()),
            lit(&self.settings.public_images)
        ));
        if let Some(baseline) = &self.file.baseline {
            out.push_str(&format!(
                "# from {file_name} (relative to its folder)\nbaseline = {}\n",
                lit(baseline.get_ref())
            ));
        }
        if !self.file.severity.is_empty() {
            out.push_str(&format!(
                "\n# from {file_name}; the other rules have their own severity\n[severity]\n"
            ));
            for (k, v) in &self.file.severity {
                out.push_str(&format!("{} = {}\n", lit(k.get_ref()), lit(v.as_str())));
            }
        }
        if !self.file.per_file_ignores.is_empty() {
            out.push_str(&format!(
                "\n# from {file_name} (globs relative to its folder)\n[per-file-ignores]\n"
            ));
            for (k, v) in &self.file.per_file_ignores {
                let rules: Vec<&String> = v.iter().map(|s| s.get_ref()).collect();
                out.push_str(&format!("{} = {}\n", lit(k), lit(&rules)));
            }
        }
        let suppressions = &self.file.suppressions;
        let default = SuppressionConfig::default();
        out.push_str(&format!(
            "\n[suppressions]\n{}require-reason = {}\n{}report-unused = {}\n{}warn-before = {}\n",
            from(suppressions.require_reason != default.require_reason),
            suppressions.require_reason,
            from(suppressions.report_unused != default.report_unused),
            suppressions.report_unused,
            from(self.exceptions.warn_before != crate::exceptions::Policy::default().warn_before),
            lit(suppressions
                .warn_before
                .as_ref()
                .map_or(crate::exceptions::DEFAULT_WARN_BEFORE, |w| w.get_ref()))
        ));
        if !self.file.exceptions.is_empty() {
            #[derive(Serialize)]
            struct Section<'a> {
                exceptions: &'a [crate::exceptions::ExceptionEntry],
            }
            if let Ok(text) = toml::to_string(&Section {
                exceptions: &self.file.exceptions,
            }) {
                out.push_str(&format!(
                    "\n# from {file_name} (paths relative to its folder)\n"
                ));
                out.push_str(&text);
            }
        }
        let sensitive = &self.file.sensitive;
        if !(sensitive.images.is_empty()
            && sensitive.ports.is_empty()
            && sensitive.products.is_empty())
        {
            #[derive(Serialize)]
            struct Section<'a> {
                sensitive: &'a SensitiveConfig,
            }
            if let Ok(text) = toml::to_string(&Section { sensitive }) {
                out.push_str(&format!(
                    "\n# from {file_name}: added to the built-in catalogue\n"
                ));
                out.push_str(&text);
            }
        }
        out.push_str(&format!(
            "\n# sensitive catalogue: {} entries (`composeguard catalogue` lists them)\n",
            self.catalogue.len()
        ));
        out
    }
}

/// A value as TOML writes it (`"a"`, `["a", "b"]`), escapes included.
fn lit<T: Serialize + ?Sized>(value: &T) -> String {
    toml::Value::try_from(value)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// `all`, a rule id or a category.
pub fn is_known_selector(selector: &str) -> bool {
    selector == "all"
        || crate::rules::RULES
            .iter()
            .any(|r| r.meta.id == selector || r.meta.category == selector)
}

fn selector_matches(selector: &str, meta: &RuleMeta) -> bool {
    selector == "all" || selector == meta.id || selector == meta.category
}

/// The nearest config file from `start` (a file or folder) upward.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let folder = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    find_config_cached(folder, &mut FoundConfigs::new())
}

/// The config file found for each folder, keyed by the folder's bytes (`Path`'s own hash
/// walks its components, which showed in profiles).
pub type FoundConfigs = std::collections::HashMap<std::ffi::OsString, Option<PathBuf>>;

/// [`find_config`] from an absolute folder, remembering the answer for every folder it looks
/// at, so that many files under one tree search each ancestor once.
pub fn find_config_cached(first: &Path, cache: &mut FoundConfigs) -> Option<PathBuf> {
    let mut visited: Vec<std::ffi::OsString> = Vec::new();
    let mut dir = Some(first);
    let mut found = None;
    while let Some(d) = dir {
        if let Some(known) = cache.get(d.as_os_str()) {
            found = known.clone();
            break;
        }
        visited.push(d.as_os_str().to_os_string());
        if let Some(candidate) = CONFIG_NAMES
            .iter()
            .map(|name| d.join(name))
            .find(|c| c.is_file())
        {
            found = Some(candidate);
            break;
        }
        dir = d.parent();
    }
    for d in visited {
        cache.insert(d, found.clone());
    }
    found
}

/// The JSON Schema of the config file (kept in the repo as composeguard.schema.json).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
