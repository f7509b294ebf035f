// Minimal client configs for images without cloud-init's /etc/cloud/templates (written for
// kindling-init; images with cloud-init's templates use those).
export const BUILTIN_NTP_TEMPLATES: Record<string, string> = {
  timesyncd: '## template:jinja\n# Written by kindling-init.\n[Time]\n{% if servers or pools %}NTP={{ (servers|list + pools|list)|join(" ") }}\n{% endif %}',
  chrony:
    '## template:jinja\n# Written by kindling-init.\n{% for pool in pools %}pool {{ pool }} iburst\n{% endfor %}{% for server in servers %}server {{ server }} iburst\n{% endfor %}' +
    'driftfile /var/lib/chrony/chrony.drift\nmakestep 1 3\nrtcsync\n',
  ntp:
    '## template:jinja\n# Written by kindling-init.\ndriftfile /var/lib/ntp/ntp.drift\n{% for pool in pools %}pool {{ pool }} iburst\n{% endfor %}{% for server in servers %}server {{ server }} iburst\n{% endfor %}' +
    'restrict -4 default kod notrap nomodify nopeer noquery limited\nrestrict -6 default kod notrap nomodify nopeer noquery limited\nrestrict 127.0.0.1\nrestrict ::1\n',
};
