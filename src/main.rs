//! The `wspack` command line: parse arguments, call the library, print what it
//! returns, pick the exit code.
//!
//! stdout carries the result (text, or one JSON object under `--json`, also for an
//! error); a reader that closes it early (`| head -1`) ends the command quietly
//! with exit 0, since the work is done.

use clap::{Parser, Subcommand};
use serde_json::json;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use wspack::report::{self, OutputMode};
use wspack::Error;

/// The most compression threads `--jobs` accepts: more only adds memory (about
/// 1 MiB each) and context switches, never speed, on any machine sold today.
const MAX_JOBS: u64 = 256;

/// Builds MED-V 2.0 style workspace packages (MSI, compressed disk, setup.exe) from a TOML policy.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented workspace.toml naming every key with its default.
    Init {
        /// Folder to write workspace.toml into.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Validate a workspace policy and its disk; write nothing.
    Check {
        /// The workspace TOML.
        workspace: PathBuf,
        /// List every registry value a build writes, and the defaults the agent applies.
        #[arg(long)]
        explain: bool,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Build the package: <name>.msi, <name>.medv, setup.exe, <name>.reg, <name>.json.
    Build {
        /// The workspace TOML.
        workspace: PathBuf,
        /// Output folder.
        #[arg(short, long)]
        out: PathBuf,
        /// Compression threads, 1 to 256; 0 or left out: one per core.
        #[arg(long, short, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Deflate level.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
        level: u32,
        /// Replace what an existing output folder holds.
        #[arg(long)]
        force: bool,
        /// An earlier build's output folder: say whether this build is policy-only
        /// relative to it, or write <name>.delta.medv with the disk's changed chunks.
        #[arg(long, value_name = "OLD_OUTDIR")]
        base: Option<PathBuf>,
        /// Also write <name>-setup.exe: one file that installs the package (MSI and sidecar inside).
        #[arg(long)]
        single_exe: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Check a build's output folder against its manifest: every field is derived again
    /// from the MSI, the files and the disk inside the sidecar.
    Verify {
        /// A build's output folder.
        out_dir: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Show what changed between two builds: policy values, disk chunks, files to ship.
    Diff {
        /// The older build's output folder.
        old_dir: PathBuf,
        /// The newer build's output folder.
        new_dir: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign a build's MSI and setup.exe with Authenticode (osslsigncode) and update its manifest.
    #[command(group(clap::ArgGroup::new("signing_key").required(true).args(["pkcs12", "cert"])))]
    Sign {
        /// A build's output folder.
        out_dir: PathBuf,
        /// PKCS#12 bundle (password from WSPACK_SIGN_PASSWORD or --password-file).
        #[arg(long, conflicts_with_all = ["cert", "key"])]
        pkcs12: Option<PathBuf>,
        /// File whose first line is the PKCS#12 password.
        #[arg(long, requires = "pkcs12")]
        password_file: Option<PathBuf>,
        /// PEM certificate (with --key).
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// PEM private key, unencrypted (with --cert).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// RFC 3161 timestamp server URL (off by default).
        #[arg(long)]
        timestamp: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check any MSI with ICE-style rules (exit 1 when a rule finds an error).
    Validate {
        /// The .msi file.
        msi: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show what an MSI (or a build's output folder) will install.
    Inspect {
        /// An .msi file or a build's output folder.
        path: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct Output {
    /// Print errors only.
    #[arg(long, short, conflicts_with = "json")]
    quiet: bool,
    /// Print one JSON object at the end instead of progress.
    #[arg(long)]
    json: bool,
}

impl Output {
    fn mode(&self) -> OutputMode {
        match (self.quiet, self.json) {
            (true, _) => OutputMode::Quiet,
            (_, true) => OutputMode::Json,
            _ => OutputMode::Human,
        }
    }
}

impl Command {
    /// Whether the result (and an error) is printed as JSON.
    fn json(&self) -> bool {
        match self {
            Command::Init { .. } => false,
            Command::Check { json, .. }
            | Command::Inspect { json, .. }
            | Command::Diff { json, .. }
            | Command::Sign { json, .. }
            | Command::Validate { json, .. } => *json,
            Command::Build { output, .. } | Command::Verify { output, .. } => output.json,
        }
    }
}

/// Parses `--jobs`: 0 means one thread per core.
fn parse_jobs(text: &str) -> Result<usize, String> {
    let help = format!("pass --jobs 1 to {MAX_JOBS}, or 0 for one thread per core");
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_JOBS => Ok(n as usize),
        Ok(_) => Err(format!("more than {MAX_JOBS} threads\n  help: {help}")),
        Err(_) => Err(format!("not a whole number\n  help: {help}")),
    }
}

/// What a command prints on stdout, whether it already published its output, and
/// its exit code (`validate` exits 1 when it finds an error).
struct Outcome {
    stdout: String,
    published: bool,
    code: u8,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let json = cli.command.json();
    report::exit_on_interrupt(json.then(|| Error::Interrupted.to_json().to_string()));
    match run(cli.command) {
        Ok(outcome) => emit(outcome),
        Err(err) => {
            if json {
                let _ = writeln!(io::stdout().lock(), "{:#}", err.to_json());
            } else {
                let _ = write!(io::stderr().lock(), "{}", err.render());
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// Prints bad arguments like clap does, or as one JSON object under `--json`.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let is_output = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    if is_output || !std::env::args_os().any(|a| a == "--json") {
        e.exit();
    }
    let text = e.render().to_string();
    // The message is the first paragraph, less clap's `help:` and `tip:` lines.
    let paragraph = text.lines().take_while(|l| !l.trim().is_empty());
    let message: Vec<&str> = paragraph
        .map(str::trim)
        .filter(|l| !l.starts_with("help: ") && !l.starts_with("tip: "))
        .collect();
    let message = message.join(" ");
    let help = text.lines().find_map(|l| l.trim().strip_prefix("help: "));
    let fallback = "run `wspack --help`, or `wspack COMMAND --help`, for the arguments";
    let value = json!({
        "error": true,
        "code": 2,
        "message": message.strip_prefix("error: ").unwrap_or(&message),
        "file": null, "line": null, "column": null, "offset": null,
        "help": help.unwrap_or(fallback),
        "diagnostics": [],
    });
    let _ = writeln!(io::stdout().lock(), "{value:#}");
    ExitCode::from(2)
}

/// Prints a command's result. A closed stdout is not an error: the reader has
/// what it wanted. Any other write failure is, unless the package is already out.
fn emit(outcome: Outcome) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(outcome.stdout.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::from(outcome.code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(outcome.code),
        Err(e) if outcome.published => {
            let _ = writeln!(
                io::stderr(),
                "warning: can't write the summary to stdout: {e}"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: can't write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Renders a result as one pretty JSON object (keys sorted, through `Value`).
fn pretty<T: serde::Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).unwrap_or_else(|e| {
        json!({"error": true, "code": 1, "message": format!("can't render the result as JSON: {e}")})
    });
    format!("{value:#}\n")
}

/// Renders a result as text, as JSON, or (quiet) not at all.
fn shown<T: serde::Serialize + std::fmt::Display>(value: &T, mode: OutputMode) -> String {
    match mode {
        OutputMode::Json => pretty(value),
        OutputMode::Human => value.to_string(),
        OutputMode::Quiet => String::new(),
    }
}

/// `--json` or text.
fn mode_of(json: bool) -> OutputMode {
    if json {
        OutputMode::Json
    } else {
        OutputMode::Human
    }
}

/// `--jobs 0` or no `--jobs`: one compression thread per core.
fn jobs_or_all_cores(jobs: Option<usize>) -> usize {
    jobs.filter(|&n| n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Signs a package; its files changed, so a closed stdout still exits 0.
fn signed(opts: &wspack::sign::SignOptions, json: bool) -> wspack::Result<Outcome> {
    let summary = wspack::sign::sign(opts)?;
    Ok(Outcome {
        stdout: match json {
            true => pretty(&summary.to_json()),
            false => summary.to_string(),
        },
        published: true,
        code: 0,
    })
}

fn run(command: Command) -> wspack::Result<Outcome> {
    let printed = |stdout: String| Outcome {
        stdout,
        published: false,
        code: 0,
    };
    Ok(match command {
        Command::Init { dir } => {
            let path = wspack::check::init(&dir)?;
            printed(format!("wrote {}\n", path.display()))
        }
        Command::Check {
            workspace,
            explain,
            json,
        } => {
            let report = wspack::check::check(&workspace)?;
            printed(match json {
                true => pretty(&report.to_json(explain)),
                false => report.render(explain),
            })
        }
        Command::Build {
            workspace,
            out,
            jobs,
            level,
            force,
            base,
            single_exe,
            output,
        } => {
            let opts = wspack::build::BuildOptions {
                workspace,
                out_dir: out,
                jobs: jobs_or_all_cores(jobs),
                level,
                force,
                mode: output.mode(),
                base,
                single_exe,
            };
            let summary = wspack::build::run(&opts)?;
            Outcome {
                stdout: shown(&summary, opts.mode),
                published: true,
                code: 0,
            }
        }
        Command::Verify { out_dir, output } => {
            let summary = wspack::verify::verify(&out_dir, output.mode())?;
            printed(shown(&summary, output.mode()))
        }
        Command::Diff {
            old_dir,
            new_dir,
            json,
        } => {
            let diff = wspack::update::diff(&old_dir, &new_dir)?;
            printed(shown(&diff, mode_of(json)))
        }
        Command::Sign {
            out_dir,
            pkcs12,
            password_file,
            cert,
            key,
            timestamp,
            json,
        } => {
            let opts = wspack::sign::SignOptions {
                out_dir,
                key: wspack::sign::SigningKey::from_args(pkcs12, password_file, cert, key)?,
                timestamp_url: timestamp,
            };
            signed(&opts, json)?
        }
        Command::Validate { msi, json } => {
            let report = wspack::validate::validate(&msi)?;
            Outcome {
                stdout: match json {
                    true => pretty(&report.to_json()),
                    false => report.to_string(),
                },
                published: false,
                // Findings are the command's result, not a failure to run it.
                code: u8::from(report.has_errors()),
            }
        }
        Command::Inspect { path, json } => {
            let inspection = wspack::msi::inspect(&path)?;
            printed(shown(&inspection, mode_of(json)))
        }
    })
}
