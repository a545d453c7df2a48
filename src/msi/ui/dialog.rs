//! A small builder for one dialog and its rows in Dialog, Control, ControlEvent,
//! ControlCondition and EventMapping, laid out as WiX's WixUI dialogs are
//! (370 × 270 dialog units, a title block on top, buttons on the bottom line).

use super::super::tables::TableData;
use super::text::t;
use crate::msi::tables::schema::{key, opt, reference, s};
use msi::{Category, Column, Value};

/// Dialog width and height in installer units (WiX's).
pub const WIDTH: i32 = 370;
/// Dialog height.
pub const HEIGHT: i32 = 270;
/// Top of the bottom row of buttons.
const BUTTON_Y: i32 = 243;

/// Dialog.Attributes: visible (1) + modal (2) + minimize box (4).
const MODAL: i32 = 1 | 2 | 4;
/// Dialog.Attributes: visible + minimize box, stays up while the install runs.
const MODELESS: i32 = 1 | 4;
/// Control.Attributes: visible (1) + enabled (2).
pub const ENABLED: i32 = 1 | 2;
/// Control.Attributes: visible, enabled, sunken (4).
pub const SUNKEN: i32 = ENABLED | 4;
/// Text attributes: visible, enabled (else drawn grey), transparent (65536), no `&` prefix (131072).
const TEXT: i32 = ENABLED | 65536 | 131072;

/// One control.
struct Control {
    name: &'static str,
    kind: &'static str,
    rect: [i32; 4],
    attributes: i32,
    property: Option<String>,
    text: Option<String>,
    /// In the Tab order.
    tab: bool,
}

/// One dialog with its controls, events, conditions and subscriptions.
pub struct Dialog {
    name: &'static str,
    size: [i32; 2],
    attributes: i32,
    controls: Vec<Control>,
    first: Option<&'static str>,
    default: Option<&'static str>,
    cancel: Option<&'static str>,
    events: Vec<[String; 5]>,
    conditions: Vec<[String; 3]>,
    mappings: Vec<[String; 3]>,
}

impl Dialog {
    /// A modal dialog with the product's name as title.
    pub fn new(name: &'static str) -> Dialog {
        Dialog {
            name,
            size: [WIDTH, HEIGHT],
            attributes: MODAL,
            controls: Vec::new(),
            first: None,
            default: None,
            cancel: None,
            events: Vec::new(),
            conditions: Vec::new(),
            mappings: Vec::new(),
        }
    }

    /// Makes the dialog modeless (the progress page).
    pub fn modeless(mut self) -> Dialog {
        self.attributes = MODELESS;
        self
    }

    /// A dialog of another size than the wizard's pages.
    pub fn size(mut self, width: i32, height: i32) -> Dialog {
        self.size = [width, height];
        self
    }

    fn push(&mut self, name: &'static str, kind: &'static str, rect: [i32; 4], attributes: i32) {
        let tab = !matches!(kind, "Text" | "Line" | "ProgressBar" | "Bitmap");
        self.controls.push(Control {
            name,
            kind,
            rect,
            attributes,
            property: None,
            text: None,
            tab,
        });
        if tab && self.first.is_none() {
            self.first = Some(name);
        }
    }

    fn last(&mut self) -> &mut Control {
        self.controls.last_mut().expect("a control was added")
    }

    /// A control of any kind, tied to a property, with an optional text.
    pub fn control(
        mut self,
        name: &'static str,
        kind: &'static str,
        rect: [i32; 4],
        attributes: i32,
        property: Option<&str>,
        text: Option<String>,
    ) -> Dialog {
        self.push(name, kind, rect, attributes);
        let last = self.last();
        last.property = property.map(str::to_string);
        last.text = text;
        self
    }

    /// A static text.
    pub fn text(self, name: &'static str, rect: [i32; 4], text: impl Into<String>) -> Dialog {
        self.control(name, "Text", rect, TEXT, None, Some(text.into()))
    }

    /// The title block: a bold title, a line of description, a rule below.
    pub fn header(self, title: &str, description: &str) -> Dialog {
        self.text(
            "Title",
            [15, 6, 340, 15],
            format!("{{\\WspackTitle}}{title}"),
        )
        .text("Description", [25, 23, 330, 15], description)
        .control("TopLine", "Line", [0, 44, WIDTH, 0], 1, None, None)
    }

    /// The rule above the buttons.
    pub fn bottom_line(self) -> Dialog {
        self.control("BottomLine", "Line", [0, 234, WIDTH, 0], 1, None, None)
    }

    /// A push button on the bottom row, at one of the three places (0 = Back, 1 = Next, 2 = Cancel).
    pub fn button(self, name: &'static str, place: usize, text_key: &str) -> Dialog {
        let x = [180, 236, 304][place];
        self.push_button(name, [x, BUTTON_Y, 56, 17], text_key)
    }

    /// A push button anywhere.
    pub fn push_button(self, name: &'static str, rect: [i32; 4], text_key: &str) -> Dialog {
        self.control(
            name,
            "PushButton",
            rect,
            ENABLED,
            None,
            Some(t(text_key).into()),
        )
    }

    /// Enter presses this control.
    pub fn default(mut self, control: &'static str) -> Dialog {
        self.default = Some(control);
        self
    }

    /// Escape (and the title bar's close box) presses this control.
    pub fn cancel(mut self, control: &'static str) -> Dialog {
        self.cancel = Some(control);
        self
    }

    /// Focus starts on this control.
    pub fn first(mut self, control: &'static str) -> Dialog {
        self.first = Some(control);
        self
    }

    /// A ControlEvent: `control` publishes `event(argument)` when `when` holds ("1": always).
    pub fn on(mut self, control: &str, event: &str, argument: &str, when: &str) -> Dialog {
        let order = self.events.iter().filter(|e| e[0] == control).count() + 1;
        self.events.push([
            control.into(),
            event.into(),
            argument.into(),
            when.into(),
            order.to_string(),
        ]);
        self
    }

    /// Shows `control` when `when` holds and hides it otherwise.
    pub fn shown_if(mut self, control: &str, when: &str) -> Dialog {
        let hide = format!("NOT ({when})");
        for (action, cond) in [("Show", when), ("Hide", hide.as_str())] {
            self.conditions
                .push([control.into(), action.into(), cond.into()]);
        }
        self
    }

    /// A ControlCondition row (`action`: Enable, Disable, Show, Hide, Default).
    pub fn condition(mut self, control: &str, action: &str, when: &str) -> Dialog {
        self.conditions
            .push([control.into(), action.into(), when.into()]);
        self
    }

    /// An EventMapping row: `control`'s `attribute` follows the installer's `event`.
    pub fn subscribe(mut self, control: &str, event: &str, attribute: &str) -> Dialog {
        self.mappings
            .push([control.into(), event.into(), attribute.into()]);
        self
    }
}

/// The rows of every dialog, as the five tables.
pub fn dialog_tables(dialogs: &[Dialog]) -> Vec<TableData> {
    let mut rows: [Vec<Vec<Value>>; 5] = Default::default();
    for d in dialogs {
        rows[0].push(dialog_row(d));
        rows[1].extend(control_rows(d));
        for e in &d.events {
            let order = e[4].parse::<i32>().expect("a number");
            let [c, ev, arg, when, _] = e;
            rows[2].push(vec![
                s(d.name),
                s(c),
                s(ev),
                s(arg),
                s(when),
                Value::Int(order),
            ]);
        }
        for [c, action, when] in &d.conditions {
            rows[3].push(vec![s(d.name), s(c), s(action), s(when)]);
        }
        for [c, event, attribute] in &d.mappings {
            rows[4].push(vec![s(d.name), s(c), s(event), s(attribute)]);
        }
    }
    let [dialog, control, event, cond, mapping] = rows;
    vec![
        TableData::new("Dialog", dialog_columns(), dialog),
        TableData::new("Control", control_columns(), control),
        TableData::new("ControlEvent", control_event_columns(), event),
        TableData::new("ControlCondition", control_condition_columns(), cond),
        TableData::new("EventMapping", event_mapping_columns(), mapping),
    ]
}

fn dialog_row(d: &Dialog) -> Vec<Value> {
    vec![
        s(d.name),
        Value::Int(50),
        Value::Int(50),
        Value::Int(d.size[0]),
        Value::Int(d.size[1]),
        Value::Int(d.attributes),
        s(t("dialog.title")),
        s(d.first.expect("a dialog has a control in the Tab order")),
        opt(d.default),
        opt(d.cancel),
    ]
}

/// Control rows; Control_Next links the Tab-order controls in a ring, from `first`.
fn control_rows(d: &Dialog) -> Vec<Vec<Value>> {
    let tabbed: Vec<&str> = d
        .controls
        .iter()
        .filter(|c| c.tab)
        .map(|c| c.name)
        .collect();
    d.controls
        .iter()
        .map(|c| {
            let next = tabbed
                .iter()
                .position(|n| *n == c.name)
                .map(|i| tabbed[(i + 1) % tabbed.len()]);
            let [x, y, w, h] = c.rect;
            vec![
                s(d.name),
                s(c.name),
                s(c.kind),
                Value::Int(x),
                Value::Int(y),
                Value::Int(w),
                Value::Int(h),
                Value::Int(c.attributes),
                opt(c.property.clone()),
                opt(c.text.clone()),
                opt(next.filter(|_| tabbed.len() > 1)),
                Value::Null,
            ]
        })
        .collect()
}

fn dialog_ref() -> Column {
    reference("Dialog_", "Dialog").primary_key().string(72)
}

/// A control of the same row's dialog: Control's second key column.
fn control_ref(name: &str) -> Column {
    Column::build(name)
        .primary_key()
        .foreign_key("Control", 2)
        .category(Category::Identifier)
        .string(50)
}

fn int16(name: &str) -> Column {
    Column::build(name).range(0, 32767).int16()
}

fn dialog_columns() -> Vec<Column> {
    let control = |name: &str, nullable: bool| {
        let c = Column::build(name).category(Category::Identifier);
        if nullable { c.nullable() } else { c }.string(50)
    };
    vec![
        key("Dialog"),
        int16("HCentering"),
        int16("VCentering"),
        int16("Width"),
        int16("Height"),
        Column::build("Attributes")
            .nullable()
            .range(0, i32::MAX)
            .int32(),
        Column::build("Title")
            .nullable()
            .localizable()
            .category(Category::Formatted)
            .string(128),
        control("Control_First", false),
        control("Control_Default", true),
        control("Control_Cancel", true),
    ]
}

fn control_columns() -> Vec<Column> {
    vec![
        dialog_ref(),
        Column::build("Control")
            .primary_key()
            .category(Category::Identifier)
            .string(50),
        Column::build("Type")
            .category(Category::Identifier)
            .string(20),
        int16("X"),
        int16("Y"),
        int16("Width"),
        int16("Height"),
        Column::build("Attributes")
            .nullable()
            .range(0, i32::MAX)
            .int32(),
        Column::build("Property")
            .nullable()
            .category(Category::Identifier)
            .string(72),
        Column::build("Text")
            .nullable()
            .localizable()
            .category(Category::Formatted)
            .string(0),
        Column::build("Control_Next")
            .nullable()
            .category(Category::Identifier)
            .string(50),
        Column::build("Help")
            .nullable()
            .localizable()
            .category(Category::Text)
            .string(50),
    ]
}

fn control_event_columns() -> Vec<Column> {
    let formatted = |name: &str| {
        Column::build(name)
            .primary_key()
            .category(Category::Formatted)
            .string(255)
    };
    vec![
        dialog_ref(),
        control_ref("Control_"),
        Column::build("Event")
            .primary_key()
            .category(Category::Formatted)
            .string(50),
        formatted("Argument"),
        Column::build("Condition")
            .primary_key()
            .nullable()
            .category(Category::Condition)
            .string(255),
        Column::build("Ordering").nullable().range(0, 32767).int16(),
    ]
}

fn control_condition_columns() -> Vec<Column> {
    vec![
        dialog_ref(),
        control_ref("Control_"),
        Column::build("Action")
            .primary_key()
            .enum_values(&["Default", "Disable", "Enable", "Hide", "Show"])
            .string(50),
        Column::build("Condition")
            .primary_key()
            .category(Category::Condition)
            .string(255),
    ]
}

fn event_mapping_columns() -> Vec<Column> {
    vec![
        dialog_ref(),
        control_ref("Control_"),
        Column::build("Event")
            .primary_key()
            .category(Category::Identifier)
            .string(50),
        Column::build("Attribute")
            .category(Category::Identifier)
            .string(50),
    ]
}
