import type { ComponentChildren, JSX, PartialInputHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

interface FieldFrameProps {
  readonly id: string;
  readonly label: ComponentChildren;
  readonly hint?: ComponentChildren;
  readonly errors?: readonly string[];
  readonly children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren;
}

/**
 * A label, the control, its hint and its errors, tied together with aria-describedby so a screen reader
 * reads the error with the field the API named.
 */
function FieldFrame({ id, label, hint, errors = [], children }: FieldFrameProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${errors.length ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
      {children(describedBy, errors.length > 0)}
      {errors.length > 0 && (
        <p id={errorId} class="field-error">
          {errors.join('; ')}
        </p>
      )}
    </div>
  );
}

interface TextProps {
  readonly label: ComponentChildren;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly hint?: ComponentChildren;
  readonly errors?: readonly string[];
}

interface InputProps extends TextProps {
  readonly type?: 'text' | 'password' | 'search' | 'datetime-local';
  readonly name?: string;
  readonly required?: boolean;
  readonly autoComplete?: string;
  readonly maxLength?: number;
  readonly spellcheck?: boolean;
  readonly placeholder?: string;
  /** A <datalist> id: suggestions, not a restriction. */
  readonly list?: string;
  readonly class?: string;
}

export function TextField({ label, value, onValue, hint, errors, type = 'text', ...input }: InputProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} errors={errors}>
      {(describedBy, invalid) => {
        const attributes: PartialInputHTMLAttributes<HTMLInputElement> = {
          id,
          type,
          ...input,
          value,
          onInput: (event) => onValue(event.currentTarget.value),
          'aria-describedby': describedBy,
          'aria-invalid': invalid || undefined,
        };
        // Preact types <input> as a union keyed by a literal `type`; this one's type is chosen at run time.
        return <input {...(attributes as JSX.IntrinsicElements['input'])} />;
      }}
    </FieldFrame>
  );
}

export function TextAreaField({ label, value, onValue, hint, errors }: TextProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} errors={errors}>
      {(describedBy, invalid) => (
        <textarea
          id={id}
          rows={3}
          value={value}
          onInput={(event) => onValue(event.currentTarget.value)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
        />
      )}
    </FieldFrame>
  );
}

interface Choice {
  readonly value: string;
  readonly label: string;
}

interface SelectProps {
  readonly label: ComponentChildren;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly choices: readonly Choice[];
  readonly hint?: ComponentChildren;
  readonly errors?: readonly string[];
  readonly name?: string;
  readonly disabled?: boolean;
}

export function SelectField({ label, value, onValue, choices, hint, errors, name, disabled }: SelectProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} errors={errors}>
      {(describedBy, invalid) => (
        <select
          id={id}
          name={name}
          value={value}
          disabled={disabled}
          onChange={(event) => onValue(event.currentTarget.value)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
        >
          {choices.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

interface RadioGroupProps {
  readonly legend: ComponentChildren;
  readonly name: string;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly choices: readonly (Choice & { readonly hint?: string })[];
  readonly errors?: readonly string[];
}

export function RadioGroup({ legend, name, value, onValue, choices, errors = [] }: RadioGroupProps) {
  const id = useId();
  return (
    <fieldset
      class={`field${errors.length ? ' field-invalid' : ''}`}
      aria-describedby={errors.length ? `${id}-error` : undefined}
    >
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice.value} class="choice">
          <input
            type="radio"
            name={name}
            value={choice.value}
            checked={value === choice.value}
            onChange={() => onValue(choice.value)}
          />
          <span>
            {choice.label}
            {choice.hint && <span class="hint"> {choice.hint}</span>}
          </span>
        </label>
      ))}
      {errors.length > 0 && (
        <p id={`${id}-error`} class="field-error">
          {errors.join('; ')}
        </p>
      )}
    </fieldset>
  );
}
