import { configurationTable } from '../config/table.js';

process.stdout.write(`${configurationTable()}\n`);
