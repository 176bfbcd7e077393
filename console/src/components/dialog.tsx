import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Action } from './async';
import { ProblemBanner } from './feedback';

interface ConfirmProps {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  /** Red button: the action destroys or cuts something off. */
  readonly danger?: boolean;
  /** The confirmed action: the dialog closes when it succeeds and shows its problem when it fails. */
  readonly action: Action;
  readonly onConfirm: () => Promise<unknown>;
  readonly onClose: () => void;
  /** Fields the dialog's own inputs show errors for. */
  readonly shownFields?: (field: string) => boolean;
}

/**
 * A modal confirmation (the native <dialog>: focus moves into it, stays there, and Escape cancels).
 * Rendered only while open.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  action,
  onConfirm,
  onClose,
  shownFields,
}: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current!;
    element.showModal();
    return () => {
      element.close();
      action.clear();
    };
  }, [action.clear]);
  const confirm = async (event: Event) => {
    event.preventDefault();
    if (await action.run(onConfirm)) onClose();
  };
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        if (!action.busy) onClose();
      }}
    >
      <form method="dialog" onSubmit={confirm}>
        <h2 id="dialog-title">{title}</h2>
        <div class="dialog-body">{children}</div>
        <ProblemBanner problem={action.problem} shownFields={shownFields} />
        <div class="actions">
          <button type="button" class="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button
            type="submit"
            class={`button ${danger ? 'button-danger' : 'button-primary'}`}
            disabled={action.busy}
            aria-busy={action.busy}
          >
            {action.busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
