//! The catalogue's clues indexed for lookup: each kind of clue to the entries it names.
//!
//! Built on first use from the entries (a few hundred); every service of every file is then
//! judged with hash lookups and short scans, without allocating per lookup.

use std::collections::HashMap;

use super::{Category, Entry, SharedClues};

/// Entries named by each clue, in catalogue order (so the first entry wins a tie).
#[derive(Debug, Clone, Default)]
pub struct ClueIndex {
    /// Token (or the first token of a run) to `(the whole run split on '-', entry)`.
    tokens: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// Exact environment variable names, lowercased.
    env: HashMap<String, Vec<usize>>,
    /// Environment variable prefixes (`kafka_cfg_`), lowercased, by their first segment
    /// (`kafka`): a name is compared only with the prefixes of its own first segment.
    env_prefixes: HashMap<String, Vec<(String, usize)>>,
    /// Data directories, longest first.
    volumes: Vec<(String, usize)>,
    /// Server programs, lowercased, without a `.sh` suffix.
    commands: HashMap<String, Vec<usize>>,
    /// Healthcheck phrases as words (lowercased), as written, and their entry.
    healthchecks: Vec<(Vec<String>, String, usize)>,
    look_alikes: std::collections::HashSet<String>,
    service_names: HashMap<String, Category>,
    generic_ports: Vec<u16>,
}

impl ClueIndex {
    pub fn new(entries: &[Entry], shared: &SharedClues) -> ClueIndex {
        let mut index = ClueIndex::default();
        for (i, entry) in entries.iter().enumerate() {
            let clues = &entry.clues;
            for token in &clues.tokens {
                let run: Vec<String> = token.split('-').map(str::to_string).collect();
                index
                    .tokens
                    .entry(run[0].clone())
                    .or_default()
                    .push((run, i));
            }
            for name in &clues.env {
                let lower = name.to_ascii_lowercase();
                match lower.strip_suffix('*') {
                    Some(prefix) => index
                        .env_prefixes
                        .entry(first_segment(prefix).to_string())
                        .or_default()
                        .push((prefix.to_string(), i)),
                    None => index.env.entry(lower).or_default().push(i),
                }
            }
            for path in &clues.volumes {
                index.volumes.push((path.clone(), i));
            }
            for command in &clues.commands {
                index
                    .commands
                    .entry(program_key(command))
                    .or_default()
                    .push(i);
            }
            for phrase in &clues.healthchecks {
                index.healthchecks.push((words(phrase), phrase.clone(), i));
            }
        }
        for list in index.env.values_mut().chain(index.commands.values_mut()) {
            list.dedup();
        }
        // Longest path first: `/var/lib/postgresql/data` before `/var/lib/postgresql`.
        index
            .volumes
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        index.look_alikes = shared.look_alike_tokens.iter().cloned().collect();
        index.generic_ports = shared.generic_ports.clone();
        index.service_names = shared
            .service_names
            .iter()
            .map(|(t, c)| (t.clone(), *c))
            .collect();
        index
    }

    /// Entries whose token (or run of tokens) is found in `tokens`, with the run found.
    pub fn entries_by_tokens(&self, tokens: &[&str]) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = Vec::new();
        for (at, token) in tokens.iter().enumerate() {
            let Some(candidates) = self.tokens.get(*token) else {
                continue;
            };
            for (run, entry) in candidates {
                let found = tokens.len() >= at + run.len()
                    && run.iter().zip(&tokens[at..]).all(|(a, b)| a == b);
                if found && !out.iter().any(|(e, _)| e == entry) {
                    out.push((*entry, run.join("-")));
                }
            }
        }
        out
    }

    /// Entries whose image reads the environment variable `name`.
    pub fn entries_by_env(&self, name: &str) -> Vec<usize> {
        let lower = name.to_ascii_lowercase();
        let mut out = self.env.get(&lower).cloned().unwrap_or_default();
        let prefixes = self.env_prefixes.get(first_segment(&lower));
        for (prefix, entry) in prefixes.into_iter().flatten() {
            if lower.starts_with(prefix.as_str()) && lower.len() > prefix.len() {
                out.push(*entry);
            }
        }
        out
    }

    /// The entries whose data directory holds `target` (a normalised absolute path), with
    /// that directory.
    pub fn entries_by_volume(&self, target: &str) -> Vec<(usize, &str)> {
        self.volumes
            .iter()
            .filter(|(dir, _)| {
                target == dir
                    || (target.starts_with(dir.as_str())
                        && target.as_bytes().get(dir.len()) == Some(&b'/'))
            })
            .map(|(dir, entry)| (*entry, dir.as_str()))
            .collect()
    }

    /// Entries whose server is the program `word` (a path or a name).
    pub fn entries_by_command(&self, word: &str) -> &[usize] {
        self.commands
            .get(&program_key(word))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Entries one of whose healthcheck phrases occurs in `words` (a healthcheck's words,
    /// lowercased), with the phrase.
    pub fn entries_by_healthcheck(&self, text: &[String]) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = Vec::new();
        for (phrase, written, entry) in &self.healthchecks {
            if out.iter().any(|(e, _)| e == entry) || phrase.is_empty() {
                continue;
            }
            if text.windows(phrase.len()).any(|w| w == phrase.as_slice()) {
                out.push((*entry, written.clone()));
            }
        }
        out
    }

    /// Whether a name token makes a name a tool around a product (`exporter`, `backup`).
    pub fn is_look_alike(&self, token: &str) -> bool {
        self.look_alikes.contains(token)
    }

    /// Whether a port is used by so many kinds of software that it is no clue (8080).
    pub fn is_generic_port(&self, port: u16) -> bool {
        self.generic_ports.contains(&port)
    }

    /// The category a service-name token hints at (`db`: database).
    pub fn name_hint(&self, token: &str) -> Option<Category> {
        self.service_names.get(token).copied()
    }
}

/// The part of a variable name before its first `_` or `.` (`kafka` of `kafka_cfg_`).
fn first_segment(name: &str) -> &str {
    name.split(['_', '.']).next().unwrap_or(name)
}

/// A program's name as a command clue: the basename, lowercased, without `.sh`.
pub fn program_key(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let base = base.strip_suffix(".sh").unwrap_or(base);
    base.to_ascii_lowercase()
}

/// Text split into lowercase words: runs of letters, digits and `_ - . /`, with the
/// separators `/` and `.` kept as their own words so that `_cluster/health` is found in
/// `http://localhost:9200/_cluster/health`.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c == '/' || c == '.' {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_paths_findable_and_split_elsewhere() {
        assert_eq!(
            words("curl -fs http://localhost:9200/_cluster/health || exit 1"),
            [
                "curl",
                "-fs",
                "http",
                "/",
                "/",
                "localhost",
                "9200",
                "/",
                "_cluster",
                "/",
                "health",
                "exit",
                "1"
            ]
        );
        assert_eq!(
            words("mysqladmin ping -h 127.0.0.1")[..2],
            ["mysqladmin", "ping"]
        );
        assert_eq!(
            program_key("/usr/local/bin/Kafka-Server-Start.sh"),
            "kafka-server-start"
        );
    }
}
