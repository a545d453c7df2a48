//! The `wspack` command line: parse arguments, call the library, pick the exit code.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use wspack::report::OutputMode;

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
        /// Compression threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Deflate level.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
        level: u32,
        /// Replace what an existing output folder holds.
        #[arg(long)]
        force: bool,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", err.render());
            ExitCode::from(err.exit_code())
        }
    }
}

/// Prints one JSON object with its keys sorted (through `serde_json::Value`, whose
/// maps are sorted), the form every command has printed so far.
fn print_json<T: serde::Serialize>(value: &T) {
    let value = serde_json::to_value(value).expect("summaries hold only JSON-safe values");
    println!(
        "{}",
        serde_json::to_string_pretty(&value).expect("JSON values always serialize")
    );
}

fn run(command: Command) -> wspack::Result<()> {
    match command {
        Command::Init { dir } => {
            let path = wspack::check::init(&dir)?;
            println!("wrote {}", path.display());
        }
        Command::Check {
            workspace,
            explain,
            json,
        } => {
            let report = wspack::check::check(&workspace)?;
            if json {
                print_json(&report.to_json(explain));
            } else {
                print!("{}", report.render(explain));
            }
        }
        Command::Build {
            workspace,
            out,
            jobs,
            level,
            force,
            output,
        } => {
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            });
            let opts = wspack::build::BuildOptions {
                workspace,
                out_dir: out,
                jobs: jobs.max(1),
                level,
                force,
                mode: output.mode(),
            };
            let summary = wspack::build::run(&opts)?;
            if opts.mode == OutputMode::Json {
                print_json(&summary);
            }
        }
        Command::Verify { out_dir, output } => {
            let summary = wspack::verify::verify(&out_dir, output.mode())?;
            match output.mode() {
                OutputMode::Json => print_json(&summary),
                OutputMode::Human => print!("{summary}"),
                OutputMode::Quiet => {}
            }
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
            let summary = wspack::sign::sign(&opts)?;
            if json {
                print_json(&summary.to_json());
            } else {
                print!("{summary}");
            }
        }
        Command::Validate { msi, json } => {
            let report = wspack::validate::validate(&msi)?;
            if json {
                print_json(&report.to_json());
            } else {
                print!("{report}");
            }
            if report.has_errors() {
                return Err(wspack::Error::ValidateFindings {
                    path: msi,
                    errors: report.counts().0,
                });
            }
        }
        Command::Inspect { path, json } => {
            let inspection = wspack::msi::inspect(&path)?;
            if json {
                print_json(&inspection);
            } else {
                print!("{inspection}");
            }
        }
    }
    Ok(())
}
