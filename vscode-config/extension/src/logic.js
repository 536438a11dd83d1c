// The extension's decisions, free of the `vscode` module so `node --test` can check them.
"use strict";

const path = require("path");

const ATTACH_CONTAINER = "debugkit: attach to scoring container";
const ATTACH_PROCESS = "debugkit: attach to local process";
const TASK_UP = "debugkit: up";
const TASK_UP_PROCESS = "debugkit: up (local process)";

/**
 * Split a command setting such as `python -m debugkit` or `"C:\\My Tools\\debugkit.exe"`
 * into program and arguments (double or single quotes group words).
 * @param {string} text
 * @returns {string[]}
 */
function splitCommand(text) {
  const words = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match;
  while ((match = pattern.exec(text || "")) !== null) {
    words.push(match[1] ?? match[2] ?? match[3]);
  }
  if (words.length === 0) {
    throw new Error("the setting debugkit.command is empty; set it to 'debugkit' or the path of the debugkit program");
  }
  return words;
}

/**
 * Replace `${workspaceFolder}` (and `${workspaceFolderBasename}`) in strings, deeply.
 * @template T
 * @param {T} value
 * @param {string} folder
 * @returns {T}
 */
function substitute(value, folder) {
  if (typeof value === "string") {
    return /** @type {any} */ (
      value
        .split("${workspaceFolder}").join(folder)
        .split("${workspaceFolderBasename}").join(path.basename(folder))
    );
  }
  if (Array.isArray(value)) {
    return /** @type {any} */ (value.map((item) => substitute(item, folder)));
  }
  if (value && typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = substitute(item, folder);
    }
    return /** @type {any} */ (out);
  }
  return value;
}

/**
 * The project folder from the `debugkit.projectDir` setting, absolute.
 * @param {string} workspaceFolder
 * @param {string | undefined} setting
 */
function projectDir(workspaceFolder, setting) {
  const raw = substitute(setting && setting.trim() ? setting.trim() : "${workspaceFolder}", workspaceFolder);
  return path.resolve(workspaceFolder, raw);
}

/**
 * Program and arguments of a debugkit CLI call.
 * @param {{command?: string, runtime?: string}} settings
 * @param {"up" | "down" | "reload" | "lsp" | "attach-config"} action
 * @param {string} [project] absolute project folder
 * @param {string} [workspace] absolute workspace folder (attach-config)
 * @returns {{command: string, args: string[]}}
 */
function cliCall(settings, action, project, workspace) {
  const [command, ...prefix] = splitCommand(settings.command || "debugkit");
  let args;
  switch (action) {
    case "lsp":
      args = ["lsp"];
      break;
    case "up": {
      args = ["up", project];
      const runtime = settings.runtime || "docker";
      if (runtime !== "auto") {
        args.push("--runtime", runtime);
      }
      break;
    }
    case "attach-config":
      args = ["vscode", "attach-config", project, "--workspace", workspace || project];
      break;
    default:
      args = [action, project];
  }
  return { command, args: [...prefix, ...args] };
}

/**
 * Which launch.json configuration F5/Attach should use for the runtime, if the project has it.
 * @param {Array<{name?: string}>} configurations launch.json "configurations"
 * @param {string} runtime "docker", "process" or "auto"
 * @returns {string | undefined}
 */
function attachConfigurationName(configurations, runtime) {
  const wanted = runtime === "process" ? ATTACH_PROCESS : ATTACH_CONTAINER;
  const names = (configurations || []).map((c) => c && c.name);
  return names.includes(wanted) ? wanted : undefined;
}

/**
 * The label of the Up task for the runtime.
 * @param {string} runtime
 */
function upTaskLabel(runtime) {
  return runtime === "process" ? TASK_UP_PROCESS : TASK_UP;
}

/**
 * The attach configuration printed by `debugkit vscode attach-config`, checked.
 * @param {string} stdout
 */
function parseAttachConfig(stdout) {
  let config;
  try {
    config = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`debugkit vscode attach-config printed no JSON: ${String(stdout).slice(0, 200)}`);
  }
  if (!config || config.request !== "attach" || !config.connect || !config.connect.port) {
    throw new Error("debugkit vscode attach-config printed an incomplete configuration");
  }
  return config;
}

module.exports = {
  ATTACH_CONTAINER,
  ATTACH_PROCESS,
  TASK_UP,
  TASK_UP_PROCESS,
  splitCommand,
  substitute,
  projectDir,
  cliCall,
  attachConfigurationName,
  upTaskLabel,
  parseAttachConfig,
};
