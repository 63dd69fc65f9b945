import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { describeError } from "../../api/errors.js";
import type { CreateSandboxInput, Template } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { CheckboxField, FormError, SelectField, TextField } from "../../components/field.js";
import {
  KeyValueEditor,
  type KeyValueRow,
  rowsToRecord,
} from "../../components/key-value-editor.js";
import { useToast } from "../../components/toasts.js";
import { formatMemoryMb } from "../../lib/format.js";
import { useCreateSandbox, useTemplates } from "./queries.js";

const MEMORY_CHOICES_MB = [256, 512, 1024, 2048, 4096, 8192, 16384];

interface FormState {
  templateId: string;
  vcpus: string;
  memoryMb: string;
  timeoutMinutes: string;
  autoPause: boolean;
  envVars: KeyValueRow[];
  metadata: KeyValueRow[];
}

function initialState(templateId: string): FormState {
  return {
    templateId,
    vcpus: "1",
    memoryMb: "512",
    timeoutMinutes: "15",
    autoPause: false,
    envVars: [],
    metadata: [],
  };
}

/** Checks what the browser's own constraints do not, in words; null when the form is fine. */
function validate(form: FormState): string | null {
  const vcpus = Number(form.vcpus);
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 64)
    return "vCPUs must be a whole number from 1 to 64.";
  const minutes = Number(form.timeoutMinutes);
  if (!(minutes >= 1) || minutes > 24 * 24 * 60)
    return "Timeout must be between 1 minute and 24 days.";
  const keys = form.envVars.map((row) => row.key.trim()).filter(Boolean);
  if (new Set(keys).size !== keys.length) return "Each environment variable may appear once.";
  return null;
}

function toInput(form: FormState, template: Template | undefined): CreateSandboxInput {
  const fixed = template?.type === "snapshot";
  const envVars = rowsToRecord(form.envVars);
  const metadata = rowsToRecord(form.metadata);
  return {
    templateId: form.templateId,
    ...(!fixed && { vcpus: Number(form.vcpus), memoryMb: Number(form.memoryMb) }),
    timeoutMs: Math.round(Number(form.timeoutMinutes) * 60_000),
    autoPause: form.autoPause,
    ...(envVars && { envVars }),
    ...(metadata && { metadata }),
  };
}

export function CreateSandboxDialog({
  open,
  onClose,
  templateId = "base",
}: {
  open: boolean;
  onClose: () => void;
  templateId?: string;
}) {
  const templates = useTemplates();
  const create = useCreateSandbox();
  const toast = useToast();
  const navigate = useNavigate();
  const [form, setForm] = useState(() => initialState(templateId));
  const [problem, setProblem] = useState<string | null>(null);

  const resetCreate = create.reset;
  // A fresh form each time the dialog opens (not on every render while it is open).
  useEffect(() => {
    if (open) {
      setForm(initialState(templateId));
      setProblem(null);
      resetCreate();
    }
  }, [open, templateId, resetCreate]);

  const list = templates.data ?? [];
  const template = list.find((t) => t.id === form.templateId || t.name === form.templateId);
  const fixed = template?.type === "snapshot";
  const set = (patch: Partial<FormState>) => setForm((previous) => ({ ...previous, ...patch }));
  const error = problem ?? (create.error ? describeError(create.error) : null);

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="New sandbox"
      description="It starts in the background; the list shows its progress."
      wide
      locked={create.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const invalid = validate(form);
          setProblem(invalid);
          if (invalid) return;
          create.mutate(toInput(form, template), {
            onSuccess: (sandbox) => {
              toast.success(`Sandbox ${sandbox.id} is starting.`);
              onClose();
              void navigate({ to: "/sandboxes/$id", params: { id: sandbox.id } });
            },
          });
        }}
        className="grid grid-cols-1 gap-3 sm:grid-cols-2"
      >
        <SelectField
          label="Template"
          containerClassName="sm:col-span-2"
          value={template?.id ?? form.templateId}
          onChange={(event) => {
            const chosen = list.find((t) => t.id === event.target.value);
            set({
              templateId: event.target.value,
              ...(chosen?.vcpus && { vcpus: String(chosen.vcpus) }),
              ...(chosen?.memoryMb && { memoryMb: String(chosen.memoryMb) }),
            });
          }}
          hint={fixed ? "A snapshot keeps the vCPUs and memory it was taken with." : undefined}
        >
          {!template && <option value={form.templateId}>{form.templateId}</option>}
          {list.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name} {t.type === "snapshot" ? "(snapshot)" : t.isPlatform ? "(platform)" : ""}
            </option>
          ))}
        </SelectField>
        <TextField
          label="vCPUs"
          type="number"
          min={1}
          max={64}
          required
          disabled={fixed}
          value={fixed && template?.vcpus ? String(template.vcpus) : form.vcpus}
          onChange={(event) => set({ vcpus: event.target.value })}
        />
        <SelectField
          label="Memory"
          disabled={fixed}
          value={fixed && template?.memoryMb ? String(template.memoryMb) : form.memoryMb}
          onChange={(event) => set({ memoryMb: event.target.value })}
        >
          {[...new Set([...MEMORY_CHOICES_MB, Number(fixed ? template?.memoryMb : form.memoryMb)])]
            .sort((a, b) => a - b)
            .map((mb) => (
              <option key={mb} value={mb}>
                {formatMemoryMb(mb)}
              </option>
            ))}
        </SelectField>
        <TextField
          label="Timeout (minutes)"
          type="number"
          min={1}
          step="any"
          required
          value={form.timeoutMinutes}
          onChange={(event) => set({ timeoutMinutes: event.target.value })}
          hint="When it passes, the sandbox is killed, or paused with auto-pause."
        />
        <div className="flex items-center pt-4">
          <CheckboxField
            label="Auto-pause"
            hint="Pause instead of kill at the timeout."
            checked={form.autoPause}
            onChange={(event) => set({ autoPause: event.target.checked })}
          />
        </div>
        <div className="sm:col-span-2">
          <KeyValueEditor
            legend="Environment variables"
            rows={form.envVars}
            onChange={(envVars) => set({ envVars })}
          />
        </div>
        <div className="sm:col-span-2">
          <KeyValueEditor
            legend="Metadata"
            keyPlaceholder="label"
            rows={form.metadata}
            onChange={(metadata) => set({ metadata })}
          />
        </div>
        <div className="sm:col-span-2">
          <FormError error={error} />
          <DialogActions>
            <Button onClick={onClose} disabled={create.isPending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" busy={create.isPending}>
              Create sandbox
            </Button>
          </DialogActions>
        </div>
      </form>
    </Dialog>
  );
}
