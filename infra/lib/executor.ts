import { Construct } from 'constructs';
import { checkLogicalName } from './names';

export interface ExecutorProps {
  /** The executor's name, e.g. `migrations`. */
  readonly name: string;
  /** Snowflake: the warehouse that runs the migration (defaults to the location's). */
  readonly warehouse?: string;
  /** Snowflake: the role that runs the migration (defaults to the location's). */
  readonly role?: string;
}

/**
 * The compute and credentials used for an operation (SPEC vocabulary). The properties carry only
 * what the Rust side accepts under `executor` (`name`, `warehouse`, `role`): it rejects other keys.
 */
export class Executor extends Construct {
  readonly executorName: string;
  private readonly props: ExecutorProps;

  constructor(scope: Construct, id: string, props: ExecutorProps) {
    super(scope, id);
    checkLogicalName('executor name', props.name);
    this.executorName = props.name;
    this.props = props;
  }

  toProperties(): Record<string, unknown> {
    return {
      name: this.props.name,
      ...(this.props.warehouse !== undefined ? { warehouse: this.props.warehouse } : {}),
      ...(this.props.role !== undefined ? { role: this.props.role } : {}),
    };
  }
}
