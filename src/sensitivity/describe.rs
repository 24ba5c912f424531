//! A judgement in plain words: "a database (PostgreSQL: its data directory
//! /var/lib/postgresql/data and POSTGRES_PASSWORD)".

use super::clues::Clue;
use super::judge::{Judgement, Level};

impl Judgement<'_> {
    /// "a database (PostgreSQL: its image postgres:16)".
    pub fn describe(&self) -> String {
        let label = self.entry.category.label();
        format!(
            "{} {label} ({}: {})",
            article(label),
            self.entry.name,
            self.evidence()
        )
    }

    /// What the judgement rests on: "its image postgres:16", "`postgres` in its image name
    /// acme/example-postgres and its port 5432".
    /// A strong judgement shows its strong clues and the environment (the port is in the
    /// message already, a name adds nothing); a weaker one shows every clue it rests on.
    pub fn evidence(&self) -> String {
        let shown = |c: &&Clue| {
            self.level != Level::Strong || c.is_strong() || matches!(c, Clue::Environment(_))
        };
        let parts: Vec<String> = self.clues.iter().filter(shown).map(clue_text).collect();
        join_and(&parts)
    }

    /// Why a fix of this judgement is not safe, when it is a hint only.
    pub fn why_unsure(&self) -> Option<String> {
        (self.level == Level::Hint).then(|| {
            format!(
                "it may be {}, but one clue alone does not decide",
                self.describe()
            )
        })
    }
}

fn clue_text(clue: &Clue) -> String {
    match clue {
        Clue::Image(image) => format!("its image {image}"),
        Clue::DataDirectory(dir) => format!("its data directory {dir}"),
        Clue::Command(program) => format!("its command {program}"),
        Clue::Healthcheck(phrase) => format!("its healthcheck `{phrase}`"),
        Clue::UnambiguousPort(port) => {
            format!("its port {port}, with no image to go by")
        }
        Clue::ImageToken(token, image) => format!("`{token}` in its image name {image}"),
        Clue::Environment(names) => {
            let shown: Vec<String> = names.iter().take(3).cloned().collect();
            let more = names.len().saturating_sub(3);
            let mut text = join_and(&shown);
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        }
        Clue::Port(port) => format!("its port {port}"),
        Clue::ServiceName(name) => format!("its service name `{name}`"),
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
