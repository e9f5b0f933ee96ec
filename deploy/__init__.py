"""Operations scripts: backups and their tested restore (README, "Deployment")."""
