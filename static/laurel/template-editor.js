// Syntax highlighting for the admin's template editors: each <textarea data-laurel-editor="html|css">
// gets an editable, highlighted copy (CodeJar, coloured by Prism with Django's {{ }} and {% %} marked),
// and the textarea stays the form field: every edit is written back to it and announced with an
// "input" event, so saving and the live preview (live-preview.js) read it as before. Without
// JavaScript the textarea is simply shown. The vendored files are in static/laurel/vendor/.
import { CodeJar } from "./vendor/codejar/codejar.js";

const Prism = window.Prism;
const TEMPLATE_TAG = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/;

// Prism's Django grammar rides on HTML only; CSS gets the same template-tag token ahead of its own.
if (Prism && !Prism.languages["django-css"]) {
  Prism.languages["django-css"] = Prism.languages.extend("css", {});
  Prism.languages.insertBefore("django-css", "comment", {
    django: { pattern: TEMPLATE_TAG, greedy: true, alias: "language-django", inside: Prism.languages.django },
  });
}
const GRAMMARS = { html: "django", css: "django-css" };

function labelFor(textarea) {
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  return label ? label.textContent.replace(/:\s*$/, "").trim() : textarea.name;
}

function setUp(textarea) {
  const language = GRAMMARS[textarea.getAttribute("data-laurel-editor")];
  if (!Prism || !language) return;  // leave the plain textarea
  const editor = document.createElement("div");
  editor.className = `laurel-code-editor language-${language}`;
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  editor.setAttribute("aria-label", labelFor(textarea));
  editor.setAttribute("data-laurel-editor-for", textarea.name);
  editor.style.minHeight = `${Math.max(Number(textarea.rows) || 10, 6) * 1.5}em`;
  editor.textContent = textarea.value;

  const highlight = (element) => {
    element.innerHTML = Prism.highlight(element.textContent, Prism.languages[language], language);
  };
  // Auto-closed brackets and quotes would turn a typed "{{ x }}" into "{{ x }}}}": templates are typed
  // as written. Tab moves to the next field, as it does from a textarea, so the keyboard is never trapped.
  const jar = CodeJar(editor, highlight, { tab: "  ", addClosing: false, catchTab: false });
  const sync = () => {
    const code = jar.toString();
    if (textarea.value === code) return;
    textarea.value = code;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
  jar.onUpdate(sync);  // after each key, paste and cut, and after undo and redo, which fire no "input"

  // Text arriving at once with line breaks (an input method, an assistive tool) would become <br>s,
  // which the text of the editor does not count: insert it as plain characters, as CodeJar does for a paste.
  editor.addEventListener("beforeinput", (event) => {
    if (event.inputType !== "insertText" || !event.data || !/[\r\n]/.test(event.data)) return;
    event.preventDefault();
    const text = event.data.replace(/\r\n?/g, "\n");
    document.execCommand("insertHTML", false, text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
  });

  let rehighlight = null;
  editor.addEventListener("input", (event) => {
    sync();
    // CodeJar re-colours after a key is released; text that arrives without keys (dictation, an
    // input method, drag and drop) is re-coloured here, keeping the caret where it was.
    if (event.isComposing) return;
    clearTimeout(rehighlight);
    rehighlight = setTimeout(() => {
      if (document.activeElement !== editor) return highlight(editor);
      const caret = jar.save();
      highlight(editor);
      jar.restore(caret);
    }, 60);
  });
  textarea.form?.addEventListener("reset", () => setTimeout(() => jar.updateCode(textarea.value, false)));
  // The certificate designer writes the field it made (certificate-designer.js): show that here too.
  textarea.addEventListener("laurel:replaced", () => jar.updateCode(textarea.value, false));
  textarea.style.display = "none";
  textarea.after(editor);
  highlight(editor);
}

document.querySelectorAll("textarea[data-laurel-editor]").forEach(setUp);
