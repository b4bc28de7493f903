// The Time page without a reload: the running timer's elapsed time, and tasks narrowed to the
// chosen project. Everything works without this script; it only saves a reload and a scroll.
(function () {
  "use strict";

  function hoursMinutes(minutes) {
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  document.querySelectorAll(".elapsed[data-started]").forEach(function (element) {
    var started = new Date(element.getAttribute("data-started")).getTime();
    function update() {
      element.textContent = hoursMinutes(Math.max(0, Math.floor((Date.now() - started) / 60000)));
    }
    update();
    window.setInterval(update, 15000);
  });

  document.querySelectorAll("select[data-narrows]").forEach(function (projects) {
    var tasks = document.getElementById(projects.getAttribute("data-narrows"));
    if (!tasks) {
      return;
    }
    function narrow() {
      var chosen = projects.options[projects.selectedIndex];
      var name = chosen && chosen.value ? chosen.text : null;
      tasks.querySelectorAll("optgroup").forEach(function (group) {
        var shown = group.label === name;
        group.hidden = !shown;
        group.disabled = !shown;
      });
      var selected = tasks.options[tasks.selectedIndex];
      if (selected && selected.parentNode.disabled) {
        tasks.value = "";
      }
    }
    projects.addEventListener("change", narrow);
    narrow();
  });
})();
