//! What the judge reads of a service: its name, image, environment names, mount targets,
//! the programs it runs and its healthcheck. Built from a compose service here; `audit`
//! builds the same from a running container, so both are judged alike.

use crate::compose::command::{argv, healthcheck_test, shell_words};
use crate::compose::environment::environment_names;
use crate::compose::model::{Project, Service};
use crate::compose::mounts::{mount_targets, normalise_path};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The service's name.
    pub name: String,
    /// The image as written, interpolated.
    pub image: Option<String>,
    /// Built locally, no image, or an image named by a variable: nothing to go by but the
    /// clues and the well-known ports.
    pub image_unknown: bool,
    /// Environment variable names.
    pub env: Vec<String>,
    /// Mount targets in the container, normalised (`/var/lib/mysql`).
    pub mount_targets: Vec<String>,
    /// The programs that `entrypoint` and `command` run (a shell's script included).
    pub programs: Vec<String>,
    /// The healthcheck's test, without `CMD`/`CMD-SHELL`.
    pub healthcheck: Option<String>,
}

impl Profile {
    /// Everything the judge reads of a compose service.
    pub fn of(project: &Project, service: &Service) -> Profile {
        Profile::basic(project, service).complete(project, service)
    }

    /// The service's name and image only: enough when the image is catalogued, which
    /// decides alone (the rest costs a walk over every key of every layer).
    pub fn basic(project: &Project, service: &Service) -> Profile {
        let image = project.service_value(service, "image").and_then(|loc| {
            let raw = project.tree(loc.file).as_str(loc.node)?;
            Some((raw.contains('$'), project.interpolate(loc.file, raw)))
        });
        let image_unknown = match &image {
            None => true,
            Some((variable, _)) => *variable || project.is_built(service),
        };
        Profile {
            name: service.name.clone(),
            image: image.map(|(_, text)| text),
            image_unknown,
            ..Profile::default()
        }
    }

    /// Adds the environment names, mount targets, programs and healthcheck.
    pub fn complete(mut self, project: &Project, service: &Service) -> Profile {
        self.env = environment_names(project, service);
        self.mount_targets = mount_targets(project, service)
            .into_iter()
            .filter(|t| t.starts_with('/'))
            .map(|t| normalise_path(&t))
            .collect();
        for key in ["entrypoint", "command"] {
            if let Some(words) = argv(project, service, key) {
                programs_of(&words, 0, &mut self.programs);
            }
        }
        self.healthcheck = healthcheck_test(project, service);
        self
    }
}

/// Words that run the next word as the program (`exec redis-server`, `tini -- mongod`).
const WRAPPERS: [&str; 12] = [
    "exec",
    "env",
    "tini",
    "dumb-init",
    "nice",
    "nohup",
    "time",
    "docker-entrypoint.sh",
    "docker-entrypoint",
    "entrypoint.sh",
    "--",
    "command",
];

/// Wrappers whose next word is a user, not the program.
const AS_USER: [&str; 3] = ["gosu", "su-exec", "chpst"];

/// Shell words that come before a command (`until pg_isready`, `do redis-server`).
const SHELL_KEYWORDS: [&str; 8] = ["if", "then", "else", "elif", "do", "while", "until", "!"];

const SHELLS: [&str; 5] = ["sh", "bash", "ash", "dash", "zsh"];

/// The programs an argument vector runs: its first word that is not a wrapper, a flag or a
/// variable assignment; for a shell with `-c`, the first program of each command of the
/// script (split on `&&`, `||`, `;`, `|`, `&` and new lines).
pub fn programs_of(words: &[String], depth: usize, out: &mut Vec<String>) {
    let mut i = 0;
    let mut wrapped = false;
    while let Some(word) = words.get(i) {
        let base = word.rsplit('/').next().unwrap_or(word);
        if WRAPPERS.contains(&base) || SHELL_KEYWORDS.contains(&base) || is_assignment(word) {
            wrapped = true;
            i += 1;
        } else if word.starts_with('-') && wrapped {
            i += 1; // a wrapper's flag (`tini -g`)
        } else if AS_USER.contains(&base) {
            wrapped = true;
            i += 2;
        } else {
            break;
        }
    }
    // Flags first: arguments to the image's own entrypoint, which is not known here.
    if words.get(i).is_some_and(|w| w.starts_with('-')) {
        return;
    }
    let Some(program) = words.get(i) else {
        return;
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    if SHELLS.contains(&base) && depth < 2 {
        let script = words[i + 1..]
            .iter()
            .position(|w| w.starts_with('-') && w.contains('c'))
            .and_then(|at| words.get(i + 1 + at + 1));
        if let Some(script) = script {
            for command in script.split(['&', '|', ';', '\n']) {
                programs_of(&shell_words(command), depth + 1, out);
            }
            return;
        }
    }
    if !out.contains(program) {
        out.push(program.clone());
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::programs_of;

    fn programs(line: &[&str]) -> Vec<String> {
        let words: Vec<String> = line.iter().map(|w| w.to_string()).collect();
        let mut out = Vec::new();
        programs_of(&words, 0, &mut out);
        out
    }

    #[test]
    fn the_program_is_found_behind_wrappers_and_inside_shell_scripts() {
        assert_eq!(
            programs(&["redis-server", "--appendonly", "yes"]),
            ["redis-server"]
        );
        assert!(programs(&["--appendonly", "yes"]).is_empty());
        assert_eq!(
            programs(&["tini", "-g", "--", "/usr/bin/mongod"]),
            ["/usr/bin/mongod"]
        );
        assert_eq!(
            programs(&["gosu", "postgres", "postgres", "-c", "x=1"]),
            ["postgres"]
        );
        assert_eq!(
            programs(&[
                "sh",
                "-c",
                "until pg_isready -h db; do sleep 1; done && exec uvicorn app:main"
            ]),
            ["pg_isready", "sleep", "done", "uvicorn"]
        );
        assert_eq!(
            programs(&[
                "bash",
                "-ec",
                "A=1 kafka-server-start.sh /etc/kafka.properties"
            ]),
            ["kafka-server-start.sh"]
        );
    }
}
