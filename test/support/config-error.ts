import { TetherConfigError } from "../../workers/shared/config-error.js";

/** The TetherConfigError an app's options make `start` throw; fails the test when it throws none. */
export function configError(start: () => unknown): TetherConfigError {
  try {
    start();
  } catch (error) {
    if (error instanceof TetherConfigError) return error;
    throw error;
  }
  throw new Error("the options were accepted");
}
