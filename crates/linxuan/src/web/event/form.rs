//! The registration form, as the public, the office and the desk fill it in: one check for all
//! three, so a name is as long and an ID number as well-formed whoever typed it.

use linxuan_core::people::{looks_like_email, mask_national_id, normalise_national_id};
use linxuan_store::event::NewRegistration;
use linxuan_store::schools::School;
use serde::Deserialize;

use crate::app::AppState;
use crate::web::ctx::Ctx;
use crate::web::forms::FieldErrors;

pub const NAME_MAX: usize = 50;
pub const TITLE_MAX: usize = 50;
pub const SCHOOL_MAX: usize = 100;

#[derive(Deserialize, Default, Clone)]
pub struct RegistrationForm {
    #[serde(default)]
    pub name: String,
    /// A school's id from the list.
    #[serde(default)]
    pub school: String,
    /// A school not on the list (the office and the desk only).
    #[serde(default)]
    pub school_other: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub email: String,
    /// `meat` or `veg`.
    #[serde(default)]
    pub meal: String,
    #[serde(default)]
    pub national_id: String,
}

/// Who fills the form in decides what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// The public form: a school from the list, a title and an e-mail address.
    Public,
    /// The office's hand entry: a school from the list or another, an e-mail address optional.
    Office,
    /// A walk-in at the desk: only the name and the school are needed.
    Desk,
}

/// Checks the form: the registration to make, or each field's problem.
pub fn check(
    state: &AppState,
    ctx: &Ctx,
    form: &RegistrationForm,
    schools: &[School],
    filled: Filled,
) -> Result<NewRegistration, FieldErrors> {
    let line = |s: &str| linxuan_core::text::clean_line(s);
    let mut errors = FieldErrors::default();
    let name = line(&form.name);
    if name.is_empty() {
        errors.add("name", ctx.t("registration.name_missing"));
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", ctx.tf1("registration.too_long", "n", &NAME_MAX.to_string()));
    }
    let picked = form.school.trim().parse::<i32>().ok().and_then(|id| schools.iter().find(|s| s.id == id));
    let other = line(&form.school_other);
    let (school_id, school_name) = match (picked, filled) {
        (Some(s), _) => (Some(s.id), s.name.clone()),
        (None, Filled::Office | Filled::Desk) if !other.is_empty() => (None, other.clone()),
        _ => (None, String::new()),
    };
    if school_name.is_empty() {
        let key =
            if form.school.trim().is_empty() { "registration.school_missing" } else { "registration.school_unknown" };
        errors.add("school", ctx.t(key));
    } else if school_name.chars().count() > SCHOOL_MAX {
        errors.add("school", ctx.tf1("registration.too_long", "n", &SCHOOL_MAX.to_string()));
    }
    let title = line(&form.title);
    if title.is_empty() && filled == Filled::Public {
        errors.add("title", ctx.t("registration.title_missing"));
    } else if title.chars().count() > TITLE_MAX {
        errors.add("title", ctx.tf1("registration.too_long", "n", &TITLE_MAX.to_string()));
    }
    let email = form.email.trim().to_lowercase();
    if email.is_empty() {
        if filled == Filled::Public {
            errors.add("email", ctx.t("registration.email_missing"));
        }
    } else if !looks_like_email(&email) || email.len() > 200 {
        errors.add("email", ctx.t("registration.email_bad"));
    }
    let meal = match form.meal.trim() {
        "meat" | "veg" => form.meal.trim().to_string(),
        "" if filled == Filled::Desk => "meat".to_string(),
        _ => {
            errors.add("meal", ctx.t("registration.meal_missing"));
            String::new()
        }
    };
    let national_id = match form.national_id.trim() {
        "" => None,
        text => match normalise_national_id(text) {
            Ok(id) => Some((state.sealer.seal(&id), mask_national_id(&id))),
            Err(e) => {
                errors.add("national_id", ctx.pick(e.message_zh(), &e.to_string()));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewRegistration { school_id, school_name, name, title, email, meal, national_id, source: String::new() })
}
