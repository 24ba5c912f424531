//! Loading a project: the main file, its override file, `include:`d files and `extends:`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::interpolate::Environment;
use super::model::{ComposeFile, FileId, Loc, ModelError, Network, Project, Service, read_ports};
use super::siblings::Siblings;
use crate::yaml::{NodeId, PiecePlan, Tree};

/// Files bigger than this are refused before parsing (a compose file is a few KB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// `include:` and `extends:` chains deeper than this are refused.
const MAX_DEPTH: usize = 16;

/// Why a project could not be loaded: a file that cannot be read or parsed.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    pub path: PathBuf,
    /// The text, when the file was read (for showing the error in context).
    pub text: Option<Arc<str>>,
    /// Byte offset of the problem, when known.
    pub offset: Option<usize>,
    pub message: String,
}

/// Where variables come from.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The process environment to use; `None` reads the real one.
    pub process_env: Option<Vec<(String, String)>>,
    /// Texts to use instead of reading these files (a fixer's candidate output).
    pub texts: std::collections::HashMap<PathBuf, String>,
    /// Where some of `texts` may be cut to be parsed on several threads (a big file the
    /// fixer has just changed: see `Tree::parse_in_pieces`).
    pub pieces: std::collections::HashMap<PathBuf, PiecePlan>,
    /// Do not load the override file beside the main file (the main file came from stdin).
    pub skip_override: bool,
    /// Files merged after the main file, in order (`-f a -f b`), instead of its override file.
    pub extra_files: Vec<PathBuf>,
    /// What the main file's folder holds, from the listing a folder walk made: names it lacks
    /// are not looked for. `None` asks the file system.
    pub siblings: Option<Arc<Siblings>>,
}

impl LoadOptions {
    fn environment(&self, dir: &Path) -> Result<Environment, String> {
        let no_dotenv = self.siblings.as_ref().is_some_and(|s| s.lacks(".env"));
        let result = match &self.process_env {
            Some(vars) => Environment::with_process_env(dir, vars.iter().cloned()),
            None if no_dotenv => Ok(Environment::process_only()),
            None => Environment::for_project_dir(dir),
        };
        let mut env = result.map_err(|e| format!("{}: {}", dir.join(".env").display(), e))?;
        // Compose also offers the project's folder and name to interpolation.
        let absolute = absolute(dir);
        env.insert_if_unset("PWD", absolute.display().to_string());
        let name = absolute.file_name().and_then(|n| n.to_str()).unwrap_or("");
        env.insert_if_unset("COMPOSE_PROJECT_NAME", project_name(name));
        Ok(env)
    }
}

/// `path` made absolute against the working folder, which is read once per process (a
/// `getcwd` per project showed in profiles; composeguard never changes its folder).
fn absolute(path: &Path) -> PathBuf {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match CWD.get_or_init(|| std::env::current_dir().ok()) {
        Some(cwd) if !path.as_os_str().is_empty() => cwd.join(path),
        Some(cwd) => cwd.clone(),
        None => path.to_path_buf(),
    }
}

/// A folder name as Compose makes a project name of it: lower case, only `a-z0-9_-`.
fn project_name(folder: &str) -> String {
    folder
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect::<String>()
        .trim_start_matches(['_', '-'])
        .to_string()
}

/// The override file Compose loads with a main file of a standard name, if present (`siblings`:
/// the main file's folder as listed, when it was).
pub fn override_file_for(main: &Path, siblings: Option<&Siblings>) -> Option<PathBuf> {
    let name = main.file_name()?.to_str()?;
    let stem = match name {
        "compose.yaml" | "compose.yml" => "compose.override",
        "docker-compose.yaml" | "docker-compose.yml" => "docker-compose.override",
        _ => return None,
    };
    let dir = main.parent().unwrap_or(Path::new(""));
    ["yaml", "yml"]
        .iter()
        .map(|ext| format!("{stem}.{ext}"))
        .find(|name| match siblings {
            Some(listed) => listed.has_file(dir, name),
            None => dir.join(name).is_file(),
        })
        .map(|name| dir.join(name))
}

/// Reads a file as UTF-8 text with the limits every input gets.
pub fn read_text(path: &Path) -> Result<String, LoadFailure> {
    let fail = |message: String| LoadFailure {
        path: path.to_path_buf(),
        text: None,
        offset: None,
        message,
    };
    // The kind is checked before opening: opening a FIFO would block, or release a writer
    // waiting on it.
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    // A FIFO or a device (`/dev/zero`) would block or never end: only regular files.
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!(
            "file is {} bytes, more than the {} byte limit",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    // Sized by the stat above (no second one), and bounded even if the file grows meanwhile.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "file is more than the {MAX_FILE_BYTES} byte limit"
        )));
    }
    decode_text(path, bytes)
}

/// UTF-8 only; a NUL byte or a UTF-16 byte-order mark says "not a text compose file".
pub fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<String, LoadFailure> {
    // The text up to the problem is valid UTF-8, so offsets into a lossy copy still point
    // at the right line and column for the message. (Made only for a failure: copying every
    // file showed in profiles.)
    let fail = |bytes: &[u8], offset: usize, message: String| LoadFailure {
        path: path.to_path_buf(),
        text: Some(Arc::from(String::from_utf8_lossy(bytes).as_ref())),
        offset: Some(offset),
        message,
    };
    // UTF-32 first: its little-endian byte-order mark starts like UTF-16's.
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(fail(
            &bytes,
            0,
            "file is UTF-32; compose files must be UTF-8".into(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(fail(
            &bytes,
            0,
            "file is UTF-16; compose files must be UTF-8".into(),
        ));
    }
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(fail(
            &bytes,
            nul,
            "file holds a NUL byte: binary data, not YAML".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        fail(
            e.as_bytes(),
            at,
            format!("file is not valid UTF-8 (at byte {at})"),
        )
    })
}

struct Loader<'o> {
    options: &'o LoadOptions,
    project: Project,
    /// Index in `project.services` of each service name.
    service_index: std::collections::HashMap<String, usize>,
}

impl Project {
    /// Loads the project whose main file is `main` (with its override file, includes and
    /// extended files). `text` replaces reading `main` (stdin).
    pub fn load(
        main: &Path,
        text: Option<String>,
        options: &LoadOptions,
    ) -> Result<Project, LoadFailure> {
        let mut loader = Loader {
            options,
            project: Project::default(),
            service_index: std::collections::HashMap::new(),
        };
        let dir = main.parent().map(Path::to_path_buf).unwrap_or_default();
        let env = Arc::new(options.environment(&dir).map_err(|message| LoadFailure {
            path: main.to_path_buf(),
            text: None,
            offset: None,
            message,
        })?);
        let main_id = loader.add_file(main, text, env.clone())?;
        loader.project.v1_layout = is_v1_layout(&loader.project.files[main_id]);
        loader.read_file_model(main_id, 0)?;
        // Like `docker compose -f main -f more...`; with no more files, the override file
        // beside a main file of a standard name, as Compose loads it.
        let more: Vec<PathBuf> = if !options.extra_files.is_empty() {
            options.extra_files.clone()
        } else {
            override_file_for(main, options.siblings.as_deref())
                .filter(|_| !options.skip_override)
                .into_iter()
                .collect()
        };
        for path in more {
            let id = loader.add_file(&path, None, env.clone())?;
            loader.read_file_model(id, 0)?;
        }
        loader.finish();
        Ok(loader.project)
    }

    /// A project of one file given as text, with an explicit environment (tests, stdin).
    pub fn from_text(path: &Path, text: &str, env: Environment) -> Result<Project, LoadFailure> {
        let options = LoadOptions {
            process_env: Some(Vec::new()),
            ..LoadOptions::default()
        };
        let mut loader = Loader {
            options: &options,
            project: Project::default(),
            service_index: std::collections::HashMap::new(),
        };
        let id = loader.add_file(path, Some(text.to_string()), Arc::new(env))?;
        loader.project.v1_layout = is_v1_layout(&loader.project.files[id]);
        loader.read_file_model(id, 0)?;
        loader.finish();
        Ok(loader.project)
    }
}

fn is_v1_layout(file: &ComposeFile) -> bool {
    let Some(root) = file.root else { return false };
    let tree = &file.tree;
    if tree.get(root, "services").is_some() {
        return false;
    }
    let entries = tree.entries(root);
    !entries.is_empty()
        && entries.iter().all(|(k, v)| {
            tree.scalar_value(*k).is_some_and(|k| k == "version")
                || (tree.is_mapping(*v)
                    && (tree.get(*v, "image").is_some() || tree.get(*v, "build").is_some()))
        })
        && entries.iter().any(|(_, v)| tree.is_mapping(*v))
}

impl Loader<'_> {
    fn read(&self, path: &Path) -> Result<String, LoadFailure> {
        match self.options.texts.get(path) {
            Some(text) => Ok(text.clone()),
            None => read_text(path),
        }
    }

    fn add_file(
        &mut self,
        path: &Path,
        text: Option<String>,
        env: Arc<Environment>,
    ) -> Result<FileId, LoadFailure> {
        let text = match text.or_else(|| self.options.texts.get(path).cloned()) {
            Some(t) => t,
            None => read_text(path)?,
        };
        let source: Arc<str> = Arc::from(text);
        let parsed = match self.options.pieces.get(path) {
            Some(plan) => Tree::parse_in_pieces(source.clone(), plan),
            None => Tree::parse(source.clone()),
        };
        let tree = parsed.map_err(|e| LoadFailure {
            path: path.to_path_buf(),
            text: Some(source.clone()),
            offset: Some(e.offset),
            message: e.message,
        })?;
        // Several documents in one file are merged in order, like several `-f` files.
        let roots: Vec<NodeId> = tree
            .documents
            .iter()
            .flatten()
            .copied()
            .filter(|r| !tree.is_null(*r))
            .collect();
        if let Some(&r) = roots.iter().find(|r| !tree.is_mapping(**r)) {
            return Err(LoadFailure {
                path: path.to_path_buf(),
                text: Some(source),
                offset: Some(tree.span(r).start),
                message: "the top level of a compose file must be a mapping".into(),
            });
        }
        let root = roots.first().copied();
        let empty_document = tree
            .documents
            .iter()
            .any(|d| d.is_none_or(|r| tree.is_null(r)));
        if roots.is_empty() || (empty_document && tree.documents.len() > 1) {
            return Err(LoadFailure {
                path: path.to_path_buf(),
                text: Some(source),
                offset: Some(0),
                message: if roots.is_empty() {
                    "empty compose file: it holds no document".into()
                } else {
                    "a document of this file is empty (Compose rejects an empty `---` document)"
                        .into()
                },
            });
        }
        let refusals = crate::yaml::go_yaml_refusals(&tree);
        let id = self.project.files.len();
        for refusal in refusals {
            let end = source[refusal.offset..]
                .chars()
                .next()
                .map_or(refusal.offset, |c| refusal.offset + c.len_utf8());
            self.project.errors.push(ModelError {
                file: id,
                span: refusal.offset..end,
                message: refusal.message,
            });
        }
        self.project.files.push(ComposeFile {
            path: path.to_path_buf(),
            tree: Arc::new(tree),
            root,
            roots,
            env,
        });
        Ok(self.project.files.len() - 1)
    }

    /// An included or extended file that is not a compose file (not YAML, not a mapping, a
    /// private key, `/etc/passwd`): an error at the entry that names it, with the problem's
    /// place in that file but none of its text, which may be a secret.
    fn not_a_compose_file(&mut self, file: FileId, node: NodeId, how: &str, e: &LoadFailure) {
        let place = match (&e.text, e.offset) {
            (Some(text), Some(offset)) => {
                let index = crate::line_index::LineIndex::new(text);
                let pos = index.position(text, offset.min(text.len()));
                format!("{}:{}:{}", e.path.display(), pos.line + 1, pos.char_col + 1)
            }
            _ => e.path.display().to_string(),
        };
        self.error(
            file,
            node,
            format!(
                "the {how} file {place} is not a compose file: {}",
                e.message
            ),
        );
    }

    fn error(&mut self, file: FileId, node: NodeId, message: impl Into<String>) {
        let span = self.project.files[file].tree.span(node);
        self.project.errors.push(ModelError {
            file,
            span,
            message: message.into(),
        });
    }

    /// Adds the services, networks and includes of one file to the project.
    fn read_file_model(&mut self, file: FileId, depth: usize) -> Result<(), LoadFailure> {
        for root in self.project.files[file].roots.clone() {
            self.read_document_model(file, root, depth)?;
        }
        Ok(())
    }

    fn read_document_model(
        &mut self,
        file: FileId,
        root: NodeId,
        depth: usize,
    ) -> Result<(), LoadFailure> {
        self.read_includes(file, root, depth)?;
        let services_node = if self.project.v1_layout && file == 0 {
            Some(root)
        } else {
            self.project.files[file].tree.get_value(root, "services")
        };
        if let Some(services) = services_node {
            let tree = &self.project.files[file].tree;
            if tree.is_mapping(services) {
                let entries = tree.entries(services);
                for (key, value) in entries {
                    let tree = &self.project.files[file].tree;
                    let Some(name) = tree.scalar_value(key).map(str::to_string) else {
                        continue;
                    };
                    if self.project.v1_layout && file == 0 && name == "version" {
                        continue;
                    }
                    if !tree.is_mapping(value) && !tree.is_null(value) {
                        self.error(file, value, format!("service {name:?} must be a mapping"));
                        continue;
                    }
                    self.add_service_layer(file, &name, key, value, depth)?;
                }
            } else {
                self.error(
                    file,
                    services,
                    "`services` must be a mapping of service names to services",
                );
            }
        }
        self.read_networks(file, root);
        Ok(())
    }

    fn add_service_layer(
        &mut self,
        file: FileId,
        name: &str,
        key: NodeId,
        value: NodeId,
        depth: usize,
    ) -> Result<(), LoadFailure> {
        let mut layers = Vec::new();
        if self.project.files[file].tree.is_mapping(value) {
            self.extended_layers(file, value, depth, &mut layers)?;
            layers.push(Loc { file, node: value });
        }
        match self.service_index.get(name) {
            Some(&i) => self.project.services[i].layers.extend(layers),
            None => {
                self.service_index
                    .insert(name.to_string(), self.project.services.len());
                self.project.services.push(Service {
                    name: name.to_string(),
                    key: Loc { file, node: key },
                    layers,
                    ports: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// The layers a service inherits through `extends:` (recursively), lowest priority first.
    fn extended_layers(
        &mut self,
        file: FileId,
        service: NodeId,
        depth: usize,
        out: &mut Vec<Loc>,
    ) -> Result<(), LoadFailure> {
        let tree = &self.project.files[file].tree;
        let Some(extends) = tree.get_value(service, "extends") else {
            return Ok(());
        };
        if depth >= MAX_DEPTH {
            self.error(file, extends, "`extends` chain is too deep (a cycle?)");
            return Ok(());
        }
        let (target_name, target_file) = if let Some(name) = tree.as_str(extends) {
            (name.to_string(), None)
        } else {
            let name = tree
                .get_value(extends, "service")
                .and_then(|n| tree.as_str(n))
                .map(str::to_string);
            let other = tree
                .get_value(extends, "file")
                .and_then(|n| tree.as_str(n))
                .map(str::to_string);
            match name {
                Some(n) => (n, other),
                None => {
                    self.error(file, extends, "`extends` needs a `service`");
                    return Ok(());
                }
            }
        };
        let source_file = match target_file {
            None => file,
            Some(rel) => {
                let rel = self.project.interpolate(file, &rel);
                let path = self.resolve_path(file, &rel);
                match self.project.files.iter().position(|f| f.path == path) {
                    Some(id) => id,
                    None => match self.read(&path) {
                        Ok(text) => {
                            let env = self.project.files[file].env.clone();
                            match self.add_file(&path, Some(text), env) {
                                Ok(id) => {
                                    self.project.extends_only.push(id);
                                    id
                                }
                                Err(e) => {
                                    let tree = &self.project.files[file].tree;
                                    let at = tree.get_value(extends, "file").unwrap_or(extends);
                                    self.not_a_compose_file(file, at, "extended", &e);
                                    return Ok(());
                                }
                            }
                        }
                        Err(e) => {
                            self.error(
                                file,
                                extends,
                                format!(
                                    "cannot read extended file {}: {}",
                                    path.display(),
                                    e.message
                                ),
                            );
                            return Ok(());
                        }
                    },
                }
            }
        };
        let Some(root) = self.project.files[source_file].root else {
            return Ok(());
        };
        let tree = &self.project.files[source_file].tree;
        let base = tree
            .get_value(root, "services")
            .and_then(|s| tree.get_value(s, &target_name));
        match base {
            Some(base) if tree.is_mapping(base) => {
                if base == service && source_file == file {
                    self.error(file, extends, "a service cannot extend itself");
                    return Ok(());
                }
                self.extended_layers(source_file, base, depth + 1, out)?;
                out.push(Loc {
                    file: source_file,
                    node: base,
                });
            }
            _ => self.error(
                file,
                extends,
                format!("extended service {target_name:?} not found"),
            ),
        }
        Ok(())
    }

    fn resolve_path(&self, file: FileId, rel: &str) -> PathBuf {
        let dir = self.project.files[file]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        dir.join(rel)
    }

    fn read_includes(
        &mut self,
        file: FileId,
        root: NodeId,
        depth: usize,
    ) -> Result<(), LoadFailure> {
        let tree = &self.project.files[file].tree;
        let Some(includes) = tree.get_value(root, "include") else {
            return Ok(());
        };
        let Some(items) = tree.items(includes).map(<[NodeId]>::to_vec) else {
            self.error(file, includes, "`include` must be a list");
            return Ok(());
        };
        for item in items {
            let tree = &self.project.files[file].tree;
            let item = tree.resolve(item);
            let paths: Vec<String> = if let Some(p) = tree.as_str(item) {
                vec![p.to_string()]
            } else if let Some(p) = tree.get_value(item, "path") {
                match tree.items(p) {
                    Some(list) => list
                        .iter()
                        .filter_map(|i| tree.as_str(*i).map(str::to_string))
                        .collect(),
                    None => tree.as_str(p).map(str::to_string).into_iter().collect(),
                }
            } else {
                Vec::new()
            };
            if paths.is_empty() {
                self.error(file, item, "an `include` entry needs a path");
                continue;
            }
            if depth >= MAX_DEPTH {
                self.error(file, item, "`include` chain is too deep (a cycle?)");
                continue;
            }
            for rel in paths {
                let rel = self.project.interpolate(file, &rel);
                let path = self.resolve_path(file, &rel);
                if self.project.files.iter().any(|f| f.path == path) {
                    self.error(
                        file,
                        item,
                        format!("{} is included twice (a cycle?)", path.display()),
                    );
                    continue;
                }
                let text = match self.read(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        self.error(
                            file,
                            item,
                            format!(
                                "cannot read included file {}: {}",
                                path.display(),
                                e.message
                            ),
                        );
                        continue;
                    }
                };
                let env = match self.include_environment(file, item, &path) {
                    Ok(env) => Arc::new(env),
                    Err(message) => {
                        self.error(file, item, message);
                        continue;
                    }
                };
                let id = match self.add_file(&path, Some(text), env) {
                    Ok(id) => id,
                    Err(e) => {
                        self.not_a_compose_file(file, item, "included", &e);
                        continue;
                    }
                };
                self.read_file_model(id, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Variables of an included project: its `env_file`s (long form, relative to the
    /// including file) or the `.env` of its project directory, with the including
    /// project's variables winning (measured: see docs/compose-facts.md).
    fn include_environment(
        &self,
        file: FileId,
        item: NodeId,
        included: &Path,
    ) -> Result<Environment, String> {
        let tree = &self.project.files[file].tree;
        let parent = self.project.files[file].env.clone();
        let strings = |key: &str| -> Vec<String> {
            let Some(v) = tree.get_value(item, key) else {
                return Vec::new();
            };
            match tree.items(v) {
                Some(list) => list
                    .iter()
                    .filter_map(|i| tree.as_str(*i).map(str::to_string))
                    .collect(),
                None => tree.as_str(v).map(str::to_string).into_iter().collect(),
            }
        };
        let env_files: Vec<PathBuf> = match strings("env_file") {
            files if !files.is_empty() => files
                .iter()
                .map(|f| self.resolve_path(file, &self.project.interpolate(file, f)))
                .collect(),
            _ => {
                let dir = match strings("project_directory").first() {
                    Some(d) => self.resolve_path(file, &self.project.interpolate(file, d)),
                    None => included.parent().map(Path::to_path_buf).unwrap_or_default(),
                };
                vec![dir.join(".env")]
            }
        };
        let lookup = |name: &str| parent.get(name).map(str::to_string);
        let mut vars: Vec<(String, String)> = Vec::new();
        for env_file in env_files {
            match super::dotenv::read_dotenv_file(&env_file, &lookup) {
                Ok(Some(pairs)) => vars.extend(pairs),
                Ok(None) => {}
                Err(e) => return Err(format!("{}: {e}", env_file.display())),
            }
        }
        Ok(parent.with_defaults(vars))
    }

    fn read_networks(&mut self, file: FileId, root: NodeId) {
        let tree = &self.project.files[file].tree;
        let Some(networks) = tree.get_value(root, "networks") else {
            return;
        };
        for (key, value) in tree.entries(networks) {
            let Some(name) = tree.scalar_value(key) else {
                continue;
            };
            let host_binding_ipv4 = tree
                .get_value(value, "driver_opts")
                .and_then(|o| tree.get_value(o, "com.docker.network.bridge.host_binding_ipv4"))
                .and_then(|v| tree.as_str(v))
                .map(|v| self.project.interpolate(file, v));
            let network = Network {
                name: name.to_string(),
                key: Loc { file, node: key },
                node: Loc { file, node: value },
                host_binding_ipv4,
            };
            match self
                .project
                .networks
                .iter_mut()
                .find(|n| n.name == network.name)
            {
                Some(existing) if network.host_binding_ipv4.is_some() => *existing = network,
                Some(_) => {}
                None => self.project.networks.push(network),
            }
        }
    }

    /// Builds each service's port bindings from its layers: sequences are appended, a
    /// `!reset` or `!override` tag in a later layer drops what came before.
    fn finish(&mut self) {
        let project = &mut self.project;
        for service in &mut project.services {
            let mut ports = Vec::new();
            for layer in &service.layers {
                let file = &project.files[layer.file];
                let tree = &file.tree;
                let Some(node) = tree.get_value(layer.node, "ports") else {
                    continue;
                };
                match tree.node(node).tag.as_deref() {
                    Some("!reset") => {
                        ports.clear();
                        continue;
                    }
                    Some("!override") => ports.clear(),
                    _ => {}
                }
                read_ports(
                    tree,
                    layer.file,
                    node,
                    &file.env,
                    &mut ports,
                    &mut project.errors,
                );
            }
            service.ports = ports;
        }
        let mut errors = Vec::new();
        for service in &project.services {
            // The layers from the last `!reset`/`!override` of `env_file` on count.
            let from = service
                .layers
                .iter()
                .rposition(|layer| {
                    let tree = &project.files[layer.file].tree;
                    tree.get_value(layer.node, "env_file").is_some_and(|v| {
                        matches!(tree.node(v).tag.as_deref(), Some("!reset" | "!override"))
                    })
                })
                .unwrap_or(0);
            for layer in &service.layers[from..] {
                super::env_files::check(project, layer.file, layer.node, &mut errors);
            }
        }
        project.errors.extend(errors);
    }
}
