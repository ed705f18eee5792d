// Workflow bundle entry: workflow type names are the procedure names of DESIGN §4.
export { diagnose } from './diagnose.js';
